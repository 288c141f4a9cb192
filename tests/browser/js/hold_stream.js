// Init script: keep the console's WebSockets at hand, and let a test hold new ones off
// (window.__holdStream = true sends them to a path the node does not serve).
(() => {
  const Real = window.WebSocket;
  window.__sockets = [];
  window.__holdStream = false;
  window.WebSocket = class extends Real {
    constructor(url, protocols) {
      super(window.__holdStream ? url.replace('/v1/stream', '/v1/held') : url, protocols);
      window.__sockets.push(this);
    }
  };
})();
