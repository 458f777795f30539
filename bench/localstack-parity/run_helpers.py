"""Loose comparison of recorded AWS values (LocalStack snapshot placeholders match anything)."""
import json,re
def parse(x):
    if isinstance(x, str):
        try: return json.loads(x)
        except Exception: return x
    return x
def loose_eq(e, g):
    if isinstance(e, str) and isinstance(g, str):
        if e == g: return True
        if re.search(r'<[A-Za-z_0-9:-]+>', e):
            pat = re.escape(e)
            pat = re.sub(r'<[A-Za-z_0-9:\\-]+>', '.*', pat)
            return re.fullmatch(pat, g, re.S) is not None
        return False
    if isinstance(e, str) and re.fullmatch(r'<[A-Za-z_0-9:-]+>', e): return True
    if isinstance(e, dict) and isinstance(g, dict):
        return e.keys() == g.keys() and all(loose_eq(e[k], g[k]) for k in e)
    if isinstance(e, list) and isinstance(g, list):
        return len(e) == len(g) and all(loose_eq(a, b) for a, b in zip(e, g))
    if isinstance(e,(int,float)) and isinstance(g,(int,float)) and not isinstance(e,bool) and not isinstance(g,bool): return e == g
    return e == g
