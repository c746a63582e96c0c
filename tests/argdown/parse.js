// Parses an Argdown file with Argdown's own parser (@argdown/core) and prints, as JSON, the
// parse errors and the parsed model: statements (equivalence classes), arguments and relations.
// Usage: node parse.js FILE   (exit 0 even with errors: the caller reads "errors")
"use strict";
const fs = require("fs");
const core = require("@argdown/core");

const app = new core.ArgdownApplication();
app.addPlugin(new core.ParserPlugin(), "parse-input");
app.addPlugin(new core.DataPlugin(), "build-model");
app.addPlugin(new core.ModelPlugin(), "build-model");

const input = fs.readFileSync(process.argv[2], "utf8");
const response = app.run({ input, process: ["parse-input", "build-model"], logLevel: "none" });

const name = (member) => (member ? member.title : null);
const out = {
  errors: [...(response.lexerErrors || []), ...(response.parserErrors || [])].map((e) => ({
    message: e.message,
    line: e.line || (e.token && e.token.startLine) || null,
  })),
  statements: Object.values(response.statements || {}).map((ec) => ({
    title: ec.title,
    texts: (ec.members || []).map((m) => m.text),
    tags: ec.tags || [],
    data: ec.data || null,
  })),
  arguments: Object.values(response.arguments || {}).map((a) => ({
    title: a.title,
    texts: (a.members || []).map((m) => m.text),
    pcs: (a.pcs || []).map((s) => ({ title: s.title, role: s.role })),
    data: a.data || null,
  })),
  relations: (response.relations || []).map((r) => ({
    from: name(r.from),
    fromType: r.from ? r.from.type : null,
    to: r.to && r.to.type === "inference" ? r.to.argumentTitle : name(r.to),
    toType: r.to ? r.to.type : null,
    type: r.relationType,
  })),
};
process.stdout.write(JSON.stringify(out, null, 2) + "\n");
