// Run the main.py that `xl-afbp udfs lite` wrote in Pyodide under Node, the way xlwings Lite
// runs it: through xlwings' own Wasm glue (xlwings_server/wasm/wasm_runtime.py, the Python side
// of the Lite/Wasm add-in), with Office.js request bodies.
//
//   node lite_runner.mjs PYODIDE_DIR MAIN_PY XLWINGS_DIR WASM_DIR < calls.json > out.json
//
// PYODIDE_DIR: an npm `pyodide` package (node_modules/...), loaded from its local files: no CDN.
// XLWINGS_DIR: the installed xlwings package; its pure-Python files are copied into Pyodide
//   (Lite ships its own build of xlwings; the Rust reader extension is left out, custom
//   functions do not use it).
// WASM_DIR: xlwings_server/wasm of the installed xlwings-server.
// calls.json: [{"func_name": "afbp_indicator", "args": [[["U05"]], [[...]]]}, ...]
// Prints {"python", "xlwings", "meta", "results", "foreign"}: one result per call, either the
// cell values or {"error": message}; "foreign" lists imported top-level modules outside the
// standard library, xlwings and the wasm glue.
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [pyodideDir, mainPy, xlwingsDir, wasmDir] = process.argv.slice(2);
const calls = JSON.parse(readFileSync(0, "utf-8"));
const mainText = readFileSync(mainPy, "utf-8");

const { loadPyodide } = await import(pathToFileURL(path.join(pyodideDir, "pyodide.mjs")).href);
const pyodide = await loadPyodide({ indexURL: pyodideDir + path.sep });

pyodide.FS.mkdirTree("/mnt/xlwings");
pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: xlwingsDir }, "/mnt/xlwings");
pyodide.FS.mkdirTree("/mnt/wasm");
pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: wasmDir }, "/mnt/wasm");
pyodide.globals.set("MAIN_TEXT", mainText);

pyodide.runPython(`
import importlib.util, os, shutil, sys, types

shutil.copytree("/mnt/xlwings", "/home/pyodide/site/xlwings",
                ignore=shutil.ignore_patterns("*.so", "__pycache__", "*.xlsm", "*.xlam", "*.bas", "*.applescript"))
os.makedirs("/home/pyodide/glue", exist_ok=True)
for name in ("config.py", "wasm_runtime.py"):
    shutil.copy(f"/mnt/wasm/{name}", f"/home/pyodide/glue/{name}")
sys.path[:0] = ["/home/pyodide/glue", "/home/pyodide/site"]
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
BEFORE = set(sys.modules)

import config  # the glue's settings: XLWINGS_ON_SERVER=true before xlwings is imported

def module_from_text(text, name):  # as wasm_runtime.create_module_from_string does
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(name, loader=None))
    exec(text, module.__dict__)
    sys.modules[name] = module
    return module

sys.modules["custom_functions"] = module_from_text(MAIN_TEXT, "main")
sys.modules["custom_scripts"] = types.ModuleType("custom_scripts")
import wasm_runtime
import xlwings
`);

const runtime = pyodide.pyimport("wasm_runtime");
const meta = runtime.custom_functions_meta(mainText);
const base = {
  client: "Office.js",
  caller_address: "[Book1]Sheet1!B5",
  session_id: "node-test",
  culture_info_name: "pl-PL",
  date_format: "dd.MM.yyyy",
  version: pyodide.runPython("xlwings.__version__"),
  runtime: "1.4",
};
const results = [];
for (const call of calls) {
  results.push(await runtime.custom_functions_call({ ...base, ...call }));
}
const foreign = pyodide.runPython(`
allowed = set(sys.stdlib_module_names) | {"xlwings", "xl_afbp", "afbp_udfs", "config", "wasm_runtime",
                                          "custom_functions", "custom_scripts", "main", "pyodide", "js", "_pyodide"}
sorted({m.split(".")[0] for m in set(sys.modules) - BEFORE} - allowed)
`).toJs();
console.log(JSON.stringify({
  python: pyodide.runPython("sys.version"),
  xlwings: base.version,
  meta,
  results,
  foreign,
}));
