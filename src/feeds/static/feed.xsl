<?xml version="1.0" encoding="UTF-8"?>
<!-- Shows an RSS 2.0 or Atom 1.0 file of feeds as a readable page in browsers that still
     apply XSLT. Readers ignore it. Written by `feeds` when [site] stylesheet = true. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom">
  <xsl:output method="html" encoding="UTF-8" indent="yes"/>
  <xsl:template match="/">
    <html>
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="rss/channel/title | atom:feed/atom:title"/></title>
        <style>
          body { font: 16px/1.6 system-ui, -apple-system, "Segoe UI", "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; background: #fff; }
          @media (prefers-color-scheme: dark) { body { color: #e6e6e6; background: #161616; } a { color: #8ab4f8; } }
          .note { padding: .75rem 1rem; border-radius: .5rem; background: rgba(127,127,127,.12); }
          li { margin: .6rem 0; } time { color: #777; font-size: .9em; margin-left: .5rem; }
        </style>
      </head>
      <body>
        <h1><xsl:value-of select="rss/channel/title | atom:feed/atom:title"/></h1>
        <p class="note">This is a feed. Copy its address into your feed reader to subscribe.</p>
        <ol>
          <xsl:for-each select="rss/channel/item">
            <li><a href="{link}"><xsl:value-of select="title"/></a><time><xsl:value-of select="pubDate"/></time></li>
          </xsl:for-each>
          <xsl:for-each select="atom:feed/atom:entry">
            <li><a href="{atom:link/@href}"><xsl:value-of select="atom:title"/></a><time><xsl:value-of select="atom:published | atom:updated[not(../atom:published)]"/></time></li>
          </xsl:for-each>
        </ol>
      </body>
    </html>
  </xsl:template>
</xsl:stylesheet>
