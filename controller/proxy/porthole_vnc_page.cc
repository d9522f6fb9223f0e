#include "controller/proxy/porthole_vnc_page.h"

namespace porthole::controller {
namespace {

// Kept small on purpose: status bar, Ctrl-Alt-Del, the screen. Module
// scripts only (noVNC's core is ES modules).
constexpr std::string_view kPage = R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Console</title>
<style>
  html { height: 100%; }
  body { margin: 0; height: 100%; display: flex; flex-direction: column;
         background-color: dimgrey; }
  #top_bar { background-color: #6e84a3; color: white; font: bold 12px
             Helvetica; padding: 6px 5px 4px 5px; border-bottom: 1px outset; }
  #status { text-align: center; }
  #ctrl_alt_del { position: fixed; top: 0; right: 0; border: 1px outset;
                  padding: 5px 5px 4px 5px; cursor: pointer; }
  #screen { flex: 1; overflow: hidden; }
</style>
<script type="module">
import RFB from './core/rfb.js';

// noVNC tells a server's close only as clean or not; the proxy's close
// frame says why (4001 ended by administrator, 4004 idle, ...). Keep the
// last close event of this page's WebSockets. A factory, not a subclass:
// noVNC checks the methods on the socket's own prototype.
let lastClose = null;
const BrowserWebSocket = window.WebSocket;
window.WebSocket = function(...args) {
  const socket = new BrowserWebSocket(...args);
  socket.addEventListener('close', (e) => { lastClose = e; });
  return socket;
};
window.WebSocket.prototype = BrowserWebSocket.prototype;
for (const state of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) {
  window.WebSocket[state] = BrowserWebSocket[state];
}

function status(text) {
  document.getElementById('status').textContent = text;
}

function query(name, fallback) {
  const match = ''.concat(document.location.href, window.location.hash)
                    .match(new RegExp('.*[?&]' + name + '=([^&#]*)'));
  return match ? decodeURIComponent(match[1]) : fallback;
}

let desktop = '';
const port = query('port', window.location.port);
const url = (window.location.protocol === 'https:' ? 'wss' : 'ws') + '://' +
    query('host', window.location.hostname) + (port ? ':' + port : '') + '/' +
    query('path', 'websockify');
status('Connecting');
const rfb = new RFB(document.getElementById('screen'), url);
rfb.addEventListener('desktopname', (e) => { desktop = e.detail.name; });
rfb.addEventListener('connect', () => status('Connected to ' + desktop));
rfb.addEventListener('disconnect', (e) => {
  if (lastClose && lastClose.code >= 4000 && lastClose.code < 5000) {
    status('Disconnected: ' + lastClose.reason + ' (' + lastClose.code + ')');
  } else if (e.detail.clean) {
    status('Disconnected');
  } else {
    status('Something went wrong, connection is closed');
  }
});
rfb.viewOnly = query('view_only', 'false') === 'true';
rfb.scaleViewport = query('scale', 'false') === 'true';
document.getElementById('ctrl_alt_del').onclick = () => {
  rfb.sendCtrlAltDel();
  return false;
};
</script>
</head>
<body>
<div id="top_bar">
  <div id="status">Loading</div>
  <div id="ctrl_alt_del">Send CtrlAltDel</div>
</div>
<div id="screen"></div>
</body>
</html>
)html";

}  // namespace

std::optional<std::string_view> PortholeVncPageFor(std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  if (path != kPortholeVncPagePath) return std::nullopt;
  return kPage;
}

}  // namespace porthole::controller
