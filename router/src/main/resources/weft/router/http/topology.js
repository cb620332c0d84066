// The topology page: draws the graph the router streams at /topology/events (server-sent events, one JSON graph per
// change; see TopologyGraph for its fields). Every text that comes from the mesh (nicknames are chosen by other
// routers) goes into the page through textContent or attributes, never as markup.
'use strict';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 900, HEIGHT = 640, RADIUS = 36;
// Past this many connections the drawing keeps its lines and leaves their words to the table, or they would cover it.
const LABELLED_EDGES = 40;

function svg(name, attributes, parent) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  if (parent) parent.appendChild(element);
  return element;
}

function text(parent, content, attributes) {
  const element = svg('text', attributes, parent);
  element.textContent = content;
  return element;
}

function rate(bytesPerSecond) {
  if (bytesPerSecond < 0) return '';
  const bits = bytesPerSecond * 8;
  if (bits >= 1e9) return (bits / 1e9).toFixed(2) + ' Gbit/s';
  if (bits >= 1e6) return (bits / 1e6).toFixed(1) + ' Mbit/s';
  if (bits >= 1e3) return (bits / 1e3).toFixed(0) + ' kbit/s';
  return bits.toFixed(0) + ' bit/s';
}

function label(node) {
  return node.nickname ? node.nickname : node.peer;
}

// Peers on a circle in name order: the same mesh is drawn the same way on every router and every update.
function positions(nodes) {
  const placed = new Map();
  const count = nodes.length;
  const ring = Math.min(WIDTH, HEIGHT) / 2 - 80;
  nodes.forEach((node, i) => {
    const angle = count === 1 ? 0 : -Math.PI / 2 + 2 * Math.PI * i / count;
    placed.set(node.peer, count === 1 ? { x: WIDTH / 2, y: HEIGHT / 2 }
      : { x: WIDTH / 2 + ring * Math.cos(angle), y: HEIGHT / 2 + ring * Math.sin(angle) });
  });
  return placed;
}

function describe(edge) {
  const parts = [edge.path];
  if (edge.via) parts.push('via ' + edge.via);
  if (edge.encrypted) parts.push(edge.encrypted);
  if (edge.pathMtu > 0) parts.push('MTU ' + edge.pathMtu);
  const traffic = rate(edge.bytesPerSecond);
  if (traffic) parts.push(traffic);
  return parts.join(' · ');
}

function draw(graph) {
  const canvas = document.getElementById('graph');
  canvas.replaceChildren();
  const placed = positions(graph.nodes);
  const names = new Map(graph.nodes.map(node => [node.peer, label(node)]));

  for (const edge of graph.edges) {
    const from = placed.get(edge.from), to = placed.get(edge.to);
    if (!from || !to) continue;
    const group = svg('g', { class: 'edge ' + edge.path + (edge.encrypted ? ' ' + edge.encrypted : ''),
      'data-from': edge.from, 'data-to': edge.to, 'data-path': edge.path }, canvas);
    svg('line', { x1: from.x, y1: from.y, x2: to.x, y2: to.y }, group);
    if (graph.edges.length <= LABELLED_EDGES) {
      text(group, describe(edge), { x: (from.x + to.x) / 2, y: (from.y + to.y) / 2 - 4, 'text-anchor': 'middle' });
    }
  }
  for (const node of graph.nodes) {
    const at = placed.get(node.peer);
    const group = svg('g', { class: 'node' + (node.self ? ' self' : ''), 'data-peer': node.peer }, canvas);
    svg('circle', { cx: at.x, cy: at.y, r: RADIUS }, group);
    text(group, label(node), { class: 'name', x: at.x, y: at.y + RADIUS + 16 });
    if (node.addresses > 0) text(group, node.addresses + ' addresses', { class: 'small', x: at.x, y: at.y + RADIUS + 44 });
    text(group, node.peer, { x: at.x, y: at.y + RADIUS + 30 });
    // the peer's share of the allocation range, as the ring gives it
    text(group, 'IPAM', { class: 'small', x: at.x, y: at.y - 4 });
    text(group, node.addresses > 0 ? node.percent.toFixed(1) + ' %' : 'none', { class: 'small', x: at.x, y: at.y + 10 });
  }

  const rows = document.getElementById('edges');
  rows.replaceChildren();
  for (const edge of graph.edges) {
    const row = document.createElement('tr');
    for (const cell of [(names.get(edge.from) || edge.from) + ' — ' + (names.get(edge.to) || edge.to),
      edge.path + (edge.via ? ' via ' + (names.get(edge.via) || edge.via) : ''), edge.encrypted || '',
      edge.pathMtu > 0 ? String(edge.pathMtu) : '',
      edge.bytesPerSecond >= 0 ? rate(edge.bytesPerSecond) : edge.path === 'fast' ? 'the kernel\'s, not counted' : '']) {
      const td = document.createElement('td');
      td.textContent = cell;
      row.appendChild(td);
    }
    rows.appendChild(row);
  }
  document.getElementById('self').textContent = names.get(graph.self) || graph.self;
  document.getElementById('unreachable').textContent = graph.unreachable.length
    ? 'Known but unreachable: ' + graph.unreachable.join(', ') : '';
  const state = document.getElementById('state');
  state.className = '';
  state.textContent = graph.nodes.length + ' peers, ' + graph.edges.length + ' connections; updated '
    + new Date().toLocaleTimeString();
}

const events = new EventSource('/topology/events');
events.addEventListener('topology', message => draw(JSON.parse(message.data)));
events.onerror = () => {
  const state = document.getElementById('state');
  state.className = 'down';
  state.textContent = 'lost the router; trying again…';
};
