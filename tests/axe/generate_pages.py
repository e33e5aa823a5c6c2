#!/usr/bin/env python3
"""Writes larger real-world-shaped pages for hack/bench/audit_engine.sh: a news/shop/docs-like page of about the
requested size, built from blocks real pages repeat (article teasers with images and links, product cards with
icon buttons, tables, forms, nav lists, share bars, tracking snippets, inline SVG icons, hidden menus),
some accessible and some not, with a fixed seed so every run audits the same bytes.

  generate_pages.py OUT_DIR SIZE_KB...
"""
import random
import sys
from pathlib import Path

HEAD = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="/assets/app.{n}.css">
<script async src="https://www.googletagmanager.com/gtag/js?id=G-{n}"></script>
<script>window.dataLayer=window.dataLayer||[];function gtag(){{dataLayer.push(arguments);}}gtag('js',new Date());gtag('config','G-{n}');</script>
<style>.sr-only{{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0,0,0,0)}} .card{{border:1px solid #ddd}}</style>
</head>
<body class="page page-{n}">
<noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-{n}" height="0" width="0" style="display:none;visibility:hidden"></iframe></noscript>
<a class="skip-link sr-only" href="#main">Skip to content</a>
<header class="site-header">
  <a href="/" class="logo"><img src="/img/logo.svg" alt="Example Media"></a>
  <nav aria-label="Main"><ul>{nav}</ul></nav>
  <form role="search" action="/search"><input type="search" name="q" placeholder="Search"><button type="submit"><svg width="16" height="16" aria-hidden="true"><use href="#i-search"></use></svg></button></form>
  <button class="menu-toggle" aria-expanded="false"><span></span><span></span><span></span></button>
</header>
<main id="main">
<h1>{title}</h1>
"""

FOOT = """</main>
<footer class="site-footer">
  <div class="cols">{footer_cols}</div>
  <ul class="social"><li><a href="https://x.example/co"><i class="icon icon-x"></i></a></li><li><a href="https://yt.example/co" aria-label="YouTube"><i class="icon icon-yt"></i></a></li></ul>
  <p class="legal" style="color:#999">&copy; 2026 Example Media. <a href="/privacy">Privacy</a> &middot; <a href="/terms">Terms</a></p>
</footer>
<div id="cookie-banner" role="region" aria-label="Cookies"><p>We use cookies.</p><button>Accept</button><button class="close"></button></div>
<img src="https://pixel.example/t.gif?p={n}" width="1" height="1" style="display:none">
<script src="/assets/app.{n}.js" defer></script>
</body>
</html>
"""

WORDS = ("the council city market report update season local new plan data team school river "
         "budget energy road rail park music film book game health science travel food weather "
         "storm vote court trade price ship farm coast bridge museum festival library").split()


def sentence(rng, n=None):
    n = n or rng.randint(8, 22)
    s = " ".join(rng.choice(WORDS) for _ in range(n))
    return s[0].upper() + s[1:] + "."


def teaser(rng, i):
    alt = rng.choice(['alt="{}"'.format(sentence(rng, 5)[:-1]), 'alt=""', "", 'alt="image"', 'alt="IMG_{:04d}.jpg"'.format(i)])
    more = rng.choice(["Read more", "Continue reading: " + sentence(rng, 4)[:-1], "More"])
    return (f'<article class="teaser"><a href="/story/{i}"><img src="/img/story-{i}.jpg" {alt} width="320" height="180"></a>'
            f'<h2><a href="/story/{i}">{sentence(rng, 7)[:-1]}</a></h2><p>{sentence(rng)} {sentence(rng)}</p>'
            f'<p class="meta">By <a href="/author/{i % 17}">{rng.choice(WORDS).title()} {rng.choice(WORDS).title()}</a> · '
            f'<time datetime="2026-11-{1 + i % 28:02d}">{1 + i % 28} November</time></p>'
            f'<a class="more" href="/story/{i}">{more}</a>'
            f'<div class="share"><a href="https://x.example/share?u={i}"><svg class="i"><use href="#i-x"></use></svg></a>'
            f'<a href="https://fb.example/share?u={i}" aria-label="Share on Facebook"><svg class="i" aria-hidden="true"><use href="#i-fb"></use></svg></a>'
            f'<button class="bookmark" title="Save for later"><svg class="i"><use href="#i-bm"></use></svg></button></div></article>\n')


def product(rng, i):
    price = f"{rng.randint(5, 400)}.{rng.randint(0, 99):02d}"
    name = sentence(rng, 3)[:-1]
    label = rng.choice([f'<label for="qty-{i}">Quantity</label>', ""])
    return (f'<div class="card product" data-id="{i}"><a href="/p/{i}"><img src="/p/{i}.jpg" alt="{name}" loading="lazy"></a>'
            f'<h3 class="card-title"><a href="/p/{i}">{name}</a></h3><p class="price" style="color:#767676">${price}</p>'
            f'<div class="stars" role="img" aria-label="{rng.randint(1, 5)} of 5 stars">★★★★☆</div>'
            f'{label}<input id="qty-{i}" type="number" value="1" min="1">'
            f'<select name="size-{i}"><option>S</option><option>M</option><option>L</option></select>'
            f'<button class="add">Add to cart</button><button class="wish" aria-label="Add {name} to wishlist">♡</button>'
            f'<button class="compare"><span class="icon-compare"></span></button></div>\n')


def table(rng, i):
    rows = "".join(f'<tr><th scope="row">{rng.choice(WORDS).title()}</th>' +
                   "".join(f"<td>{rng.randint(0, 999)}</td>" for _ in range(4)) + "</tr>" for _ in range(rng.randint(4, 12)))
    return (f'<section class="data"><h2>{sentence(rng, 4)[:-1]}</h2><table class="table"><caption>Figures {i}</caption>'
            f'<thead><tr><th scope="col">Item</th><th scope="col">Q1</th><th scope="col">Q2</th><th scope="col">Q3</th><th scope="col">Q4</th></tr></thead>'
            f'<tbody>{rows}</tbody></table></section>\n')


def form(rng, i):
    return (f'<form class="newsletter" action="/subscribe"><h3>{sentence(rng, 3)[:-1]}</h3>'
            f'<label for="email-{i}">Email</label><input id="email-{i}" type="email" name="email">'
            f'<input type="text" name="name" placeholder="Your name">'
            f'<input type="checkbox" id="agree-{i}"><label for="agree-{i}">I agree to the terms</label>'
            f'<input type="submit" value="Subscribe"></form>\n')


def links(rng, i):
    items = "".join(f'<li><a href="/topic/{i}/{k}">{sentence(rng, 3)[:-1]}</a></li>' for k in range(rng.randint(5, 15)))
    return f'<aside class="related"><h2>Related</h2><ul>{items}</ul><div hidden><a href="/x"></a><img src="/h.png"></div></aside>\n'


def pager(rng, i):
    return (f'<nav class="pagination" aria-label="Pages"><a href="?p=1">1</a><a href="?p=2">2</a><a href="?p=3">3</a>'
            f'<a href="?p=2" rel="next"><span class="icon-next"></span></a></nav>\n')


def embed(rng, i):
    return rng.choice([
        f'<iframe src="https://video.example/embed/{i}" width="560" height="315" allowfullscreen></iframe>\n',
        f'<iframe src="https://video.example/embed/{i}" title="Video: {sentence(rng, 4)[:-1]}" width="560" height="315"></iframe>\n',
        f'<figure><img src="/fig/{i}.png" alt="Chart of {sentence(rng, 4)[:-1]}"><figcaption>{sentence(rng)}</figcaption></figure>\n',
    ])


BLOCKS = [teaser, teaser, teaser, product, product, table, form, links, embed, pager]


def page(size_kb, seed):
    rng = random.Random(seed)
    nav = "".join(f'<li><a href="/{w}">{w.title()}</a></li>' for w in rng.sample(WORDS, 8))
    footer_cols = "".join(
        f'<div class="col"><h4>{rng.choice(WORDS).title()}</h4><ul>' +
        "".join(f'<li><a href="/f/{c}/{k}">{rng.choice(WORDS).title()}</a></li>' for k in range(6)) + "</ul></div>"
        for c in range(4))
    head = HEAD.format(title=sentence(rng, 6)[:-1], n=seed, nav=nav)
    foot = FOOT.format(footer_cols=footer_cols, n=seed)
    target = size_kb * 1024
    parts, size, i = [head], len(head) + len(foot), 0
    while size < target:
        if i % 12 == 0:
            block = f'<section class="section-{i}"><h2>{sentence(rng, 4)[:-1]}</h2></section>\n'
        else:
            block = rng.choice(BLOCKS)(rng, i)
        parts.append(block)
        size += len(block.encode())
        i += 1
    parts.append(foot)
    return "".join(parts)


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for arg in sys.argv[2:]:
        kb = int(arg)
        (out / f"generated-{kb:03d}kb.html").write_text(page(kb, kb), encoding="utf-8")


if __name__ == "__main__":
    main()
