// A static layout for jsdom, which has none, so that axe-core's color-contrast can run on the axe tier's pages
// under the same assumption the engine makes: every element's box lies inside its parent's and over nothing
// else, so the backgrounds behind an element's text are exactly its ancestors' (no positioning, no overflow).
// Each element gets a full-width box of one row for its own text followed by its children's boxes (pre-order
// rows), text is measured as the row of its parent, document.elementsFromPoint answers the element owning
// the row and its ancestors, and the canvas axe uses to detect icon-font ligatures measures every character
// alike (no ligatures). Used only for the color-contrast comparison (parity.mjs --contrast).
const ROW = 20, WIDTH = 1000;

export function installStaticLayout(window) {
  const { document } = window;
  const rows = new Map();   // element -> [first row, row count]
  const owner = [];         // row -> element
  const walk = (el) => {
    const first = owner.length;
    owner.push(el);
    for (const child of el.children) walk(child);
    rows.set(el, [first, owner.length - first]);
  };
  walk(document.documentElement);
  const rect = (top, height) => {
    const r = { x: 0, y: top, left: 0, top, width: WIDTH, height, right: WIDTH, bottom: top + height };
    return { ...r, toJSON: () => r };
  };
  const none = rect(0, 0);
  const boxOf = (el) => {
    const r = rows.get(el);
    return r ? rect(r[0] * ROW, r[1] * ROW) : none;
  };
  window.Element.prototype.getBoundingClientRect = function () { return boxOf(this); };
  window.Element.prototype.getClientRects = function () { const b = boxOf(this); return b.height ? [b] : []; };
  const textBox = (node) => {
    const parent = node.nodeType === 3 ? node.parentElement : node;
    const r = parent && rows.get(parent);
    return r ? rect(r[0] * ROW, ROW) : none;
  };
  window.Range.prototype.getClientRects = function () { const b = textBox(this.startContainer); return b.height ? [b] : []; };
  window.Range.prototype.getBoundingClientRect = function () { return textBox(this.startContainer); };
  document.elementsFromPoint = (x, y) => {
    if (x < 0 || x >= WIDTH) return [];
    const el = owner[Math.floor(y / ROW)];
    const out = [];
    for (let n = el; n; n = n.parentElement) out.push(n);
    return out;
  };
  document.elementFromPoint = (x, y) => document.elementsFromPoint(x, y)[0] || null;
  // jsdom's computed font-size is the declared value, unresolved ("2em", or "" when none applies), and its
  // background-image and opacity are "" or "initial" unless a sheet sets them: resolve them as a browser would.
  const realComputed = window.getComputedStyle.bind(window);
  const sizes = new Map();
  const fontSize = (el) => {
    if (!el) return 16;
    if (sizes.has(el)) return sizes.get(el);
    const parent = el.parentElement ? fontSize(el.parentElement) : 16;
    const root = el === document.documentElement ? 16 : fontSize(document.documentElement);
    const v = realComputed(el).getPropertyValue('font-size').trim().toLowerCase();
    const named = { 'xx-small': 9, 'x-small': 10, small: 13, medium: 16, large: 18, 'x-large': 24, 'xx-large': 32, 'xxx-large': 48 };
    const m = /^(-?[\d.]+)(px|pt|em|rem|%)$/.exec(v);
    let px = parent;
    if (named[v]) px = named[v];
    else if (v === 'smaller') px = parent / 1.2;
    else if (v === 'larger') px = parent * 1.2;
    else if (m) px = { px: 1, pt: 4 / 3, em: parent, rem: root, '%': parent / 100 }[m[2]] * parseFloat(m[1]);
    sizes.set(el, px);
    return px;
  };
  window.getComputedStyle = (el, pseudo) => {
    const style = realComputed(el, pseudo);
    if (pseudo) return style;
    return new Proxy(style, {
      get(target, prop) {
        if (prop === 'getPropertyValue') {
          return (name) => {
            if (name === 'font-size') return `${fontSize(el)}px`;
            const v = target.getPropertyValue(name);
            if (name === 'background-image' && (v === '' || v === 'initial')) return 'none';
            if (name === 'opacity' && (v === '' || v === 'initial')) return '1';
            return v;
          };
        }
        if (prop === 'fontSize') return `${fontSize(el)}px`;
        const v = Reflect.get(target, prop, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  };
  if (typeof window.DOMPoint !== 'function') {
    window.DOMPoint = class DOMPoint { constructor(x = 0, y = 0, z = 0, w = 1) { Object.assign(this, { x, y, z, w }); } };
  }
  window.HTMLCanvasElement.prototype.getContext = function () {
    const canvas = this;
    return {
      canvas, font: '', textAlign: 'left', textBaseline: 'top',
      measureText: (s) => ({ width: 10 * [...s].length }),
      fillText() {}, clearRect() {},
      getImageData: (x, y, w, h) => ({ data: new Uint8ClampedArray(Math.max(4, Math.ceil(w) * Math.ceil(h) * 4)).fill(1) }),
    };
  };
}
