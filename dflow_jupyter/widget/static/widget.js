// Placeholder view of the workflow widget: lists the graph's nodes with their state.
// The bundled drawing code (docs/widget-protocol.md) replaces this file.
function render({ model, el }) {
  const states = {};
  el.classList.add("dflow-widget");
  const header = document.createElement("div");
  header.className = "dflow-header";
  const list = document.createElement("div");
  list.className = "dflow-nodes";
  el.append(header, list);

  function draw() {
    const summary = model.get("summary") || {};
    el.dataset.phase = summary.phase || "Pending";
    const counts = summary.counts || {};
    header.textContent = `${model.get("workflow_name")}: ${summary.phase || "Pending"} ${summary.progress || ""}`;
    for (const [phase, n] of Object.entries(counts)) {
      const span = document.createElement("span");
      span.dataset.countPhase = phase;
      span.textContent = ` ${n} ${phase}`;
      header.append(span);
    }
    list.replaceChildren();
    for (const node of (model.get("graph") || {}).nodes || []) {
      const state = states[node.id] || {};
      const div = document.createElement("div");
      div.dataset.nodeId = node.id;
      div.dataset.phase = state.phase || "Pending";
      div.dataset.progress = state.progress || "";
      div.dataset.type = node.type;
      if (node.fanout) {
        div.dataset.fanout = String(node.fanout.total);
        div.addEventListener("click", () =>
          model.send({ kind: node.fanout.expanded ? "collapse" : "expand", id: node.id }));
      }
      div.textContent = `${node.label} ${div.dataset.phase} ${div.dataset.progress}`;
      list.append(div);
    }
  }

  function onMessage(msg) {
    if (msg.kind === "state") {
      for (const key of Object.keys(states)) delete states[key];
      Object.assign(states, msg.nodes);
    } else if (msg.kind === "delta") {
      Object.assign(states, msg.nodes);
    } else {
      return;
    }
    draw();
  }

  model.on("msg:custom", onMessage);
  model.on("change:graph", draw);
  model.on("change:summary", draw);
  draw();
  model.send({ kind: "hello" });
  return () => model.off("msg:custom", onMessage);
}

export default { render };
