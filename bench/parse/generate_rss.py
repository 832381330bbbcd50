#!/usr/bin/env python3
"""Writes a large, realistic RSS 2.0 feed for the parse benchmark.

Seeded, so every run produces the same bytes: news-like items with titles, links
carrying tracking parameters, guids, RFC 822 dates in several zones, authors,
categories and escaped HTML descriptions with entities. The defaults give about
50 MB with 38,000 items. Usage: generate_rss.py OUT [--items N] [--seed S]
"""
import argparse
import random

WORDS = (
    "government minister election parliament storm flood market shares economy inflation bank "
    "court ruling police investigation climate summit energy prices oil gas football league final "
    "champions coach transfer season health hospital vaccine study researchers university science "
    "space launch rocket mission company profits jobs workers strike union city council mayor "
    "budget tax reform school teachers students report data privacy security attack network "
    "software update phone release festival film music award artist museum exhibition history "
    "border migration talks agreement ceasefire protest capital region villagers rescue wildfire "
    "drought harvest farmers trade tariffs exports imports currency dollar euro yen growth forecast"
).split()
ZONES = ("GMT", "+0000", "-0400", "+0200", "EST", "PDT", "+0530", "Z")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
AUTHORS = ("Jane Doe", "John Smith", "María García", "Łukasz Nowak", "Aiko Tanaka", "Olu Adeyemi")
SECTIONS = ("world", "politics", "business", "sport", "science", "culture", "tech", "health")


def sentence(rng, lo, hi):
    words = [rng.choice(WORDS) for _ in range(rng.randint(lo, hi))]
    words[0] = words[0].capitalize()
    return " ".join(words)


def description(rng):
    paragraphs = []
    for _ in range(rng.randint(2, 3)):
        text = ". ".join(sentence(rng, 7, 12) for _ in range(rng.randint(2, 3)))
        if rng.random() < 0.5:
            text += " &amp;#8220;" + sentence(rng, 3, 6) + "&amp;#8221; &amp;mdash; " + rng.choice(AUTHORS)
        link = "&lt;a href=&quot;https://news.example.com/%s/%d&quot;&gt;%s&lt;/a&gt;" % (
            rng.choice(SECTIONS), rng.randint(1, 99999), sentence(rng, 2, 4))
        paragraphs.append("&lt;p&gt;%s. Read more: %s&lt;/p&gt;" % (text, link))
    return "".join(paragraphs)


def item(rng, index):
    title = sentence(rng, 6, 14)
    section = rng.choice(SECTIONS)
    slug = "-".join(title.lower().split()[:8])
    day = rng.randint(1, 28)
    link = "https://news.example.com/%s/2025/08/%02d/%s-%d?utm_source=rss&amp;utm_medium=feed" % (
        section, day, slug, index)
    date = "%s, %02d %s 2025 %02d:%02d:%02d %s" % (
        rng.choice(DAYS), day, rng.choice(MONTHS), rng.randint(0, 23), rng.randint(0, 59),
        rng.randint(0, 59), rng.choice(ZONES))
    categories = "".join("      <category>%s</category>\n" % rng.choice(SECTIONS)
                         for _ in range(rng.randint(1, 3)))
    return (
        "    <item>\n"
        "      <title>%s</title>\n"
        "      <link>%s</link>\n"
        "      <guid isPermaLink=\"false\">urn:example:news:%d</guid>\n"
        "      <pubDate>%s</pubDate>\n"
        "      <dc:creator>%s</dc:creator>\n"
        "%s"
        "      <description>%s</description>\n"
        "    </item>\n" % (title, link, index, date, rng.choice(AUTHORS), categories, description(rng)))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out")
    parser.add_argument("--items", type=int, default=38000)
    parser.add_argument("--seed", type=int, default=20250815)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with open(args.out, "w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                  '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
                  "  <channel>\n    <title>Example News</title>\n"
                  "    <link>https://news.example.com/</link>\n"
                  "    <description>Benchmark feed</description>\n"
                  "    <language>en</language>\n")
        for index in range(args.items):
            out.write(item(rng, index))
        out.write("  </channel>\n</rss>\n")


if __name__ == "__main__":
    main()
