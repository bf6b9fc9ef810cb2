#!/usr/bin/env python3
"""Reads a JSON list of YAML documents on stdin, loads each with PyYAML's yaml.safe_load (what
upstream Nodepool uses), and prints a JSON list of the results in a tagged encoding that keeps
what JSON alone would lose (int vs float, NaN/inf/-0.0, dates, bytes, sets, non-string keys).
Used by pyyaml-differential.test.ts; one process for the whole corpus."""
import base64
import datetime
import json
import math
import sys

import yaml


def encode(value, inside=()):
    if id(value) in inside:
        return {'$recursive': True}
    if isinstance(value, (list, tuple, dict)):
        inside = inside + (id(value),)
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return {'$int': str(value)}
    if isinstance(value, float):
        if math.isnan(value):
            return {'$float': 'nan'}
        if math.isinf(value):
            return {'$float': 'inf' if value > 0 else '-inf'}
        if value == 0 and math.copysign(1, value) < 0:
            return {'$float': '-0'}
        return {'$float': value}
    if isinstance(value, datetime.datetime):
        return {'$datetime': value.isoformat()}
    if isinstance(value, datetime.date):
        return {'$date': value.isoformat()}
    if isinstance(value, bytes):
        return {'$bytes': base64.b64encode(value).decode('ascii')}
    if isinstance(value, (list, tuple)):
        return [encode(v, inside) for v in value]
    if isinstance(value, dict):
        return {'$map': [[encode(k, inside), encode(v, inside)] for k, v in value.items()]}
    if isinstance(value, (set, frozenset)):
        return {'$set': [encode(v) for v in value]}
    return {'$unknown': repr(value)}


def main():
    docs = json.load(sys.stdin)
    out = []
    for text in docs:
        try:
            out.append({'value': encode(yaml.safe_load(text))})
        except Exception as e:  # every failure is a result to compare, not a crash
            out.append({'error': type(e).__name__, 'message': str(e).split('\n')[0]})
    json.dump({'pyyaml': yaml.__version__, 'results': out}, sys.stdout)


main()
