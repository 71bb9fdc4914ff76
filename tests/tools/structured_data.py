#!/usr/bin/python3
"""Reads a page's HTML on stdin and prints its JSON-LD as extruct reads it
(the parser the page audit kit and many SEO tools use): a JSON list of the
top-level items, `uniform` as extruct gives them. Exit 3 when extruct is not
installed (Debian: python3-extruct), so the test can say so.

usage: structured_data.py BASE_URL < page.html
"""
import json
import sys

try:
    import extruct
except ImportError:
    print("extruct is not installed (Debian: python3-extruct)", file=sys.stderr)
    sys.exit(3)

data = extruct.extract(
    sys.stdin.read(), base_url=sys.argv[1], syntaxes=["json-ld"], uniform=True, errors="strict"
)
json.dump(data["json-ld"], sys.stdout)
