"""The report's look: one style sheet for screen, phone and A4 paper.

Grids use ``minmax(0, 1fr)`` columns so that no long word widens them; below 600 px the key
figures take two columns, panels one, the header stacks, and an opened definition is a sheet at
the bottom of the screen: the page never scrolls sideways (wide tables scroll in their own box).
"""

from __future__ import annotations

CSS = """
:root { --navy: #1f3a5f; --ink: #243447; --muted: #66768a; --line: #e3e8ef; --bg: #f5f7fa; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--ink); overflow-wrap: break-word;
  font: 14px/1.45 -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 24px; }
header { display: flex; justify-content: space-between; align-items: flex-end; gap: 24px;
  background: var(--navy); color: #fff; border-radius: 10px; padding: 20px 24px; }
header > div { min-width: 0; }
header h1 { margin: 0; font-size: 26px; font-weight: 600; }
header .sub { margin: 4px 0 0; opacity: .85; }
header .period { display: flex; flex-direction: column; align-items: flex-end; gap: 2px; }
header .period strong { font-size: 18px; }
header .period span { opacity: .85; font-size: 13px; }
header details.def summary { background: rgba(255,255,255,.25); color: #fff; }
.tenant { cursor: help; text-decoration: underline dotted rgba(127,127,127,.6); }
.kpis { display: grid; grid-template-columns: repeat(6, minmax(0, 1fr)); gap: 12px;
  margin: 16px 0; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 14px;
  min-width: 0; }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase;
  letter-spacing: .03em; display: flex; gap: 6px; align-items: flex-start; }
.card .value { font-size: 28px; font-weight: 650; color: var(--navy); margin-top: 4px; }
.card .note { color: var(--muted); font-size: 12px; }
.panel { background: #fff; border: 1px solid var(--line); border-radius: 10px;
  padding: 16px 20px; margin: 16px 0; break-inside: avoid; min-width: 0; }
.panel h2 { font-size: 16px; margin: 0 0 8px; font-weight: 600; display: flex; gap: 8px;
  align-items: flex-start; }
.row { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 16px;
  margin: 16px 0; }
.row .panel { margin: 0; }
.chart { width: 100%; min-height: 300px; }
.section-title { font-size: 18px; font-weight: 600; margin: 28px 4px 0; color: var(--navy); }
.defs { display: flex; flex-wrap: wrap; gap: 4px 16px; color: var(--muted); font-size: 12px; }
.legend-def { display: inline-flex; gap: 4px; align-items: flex-start; }
.mtd-note { margin: 6px 0 0; color: var(--muted); font-size: 12px; display: flex; gap: 6px;
  align-items: center; }
.hatch { flex: none; width: 14px; height: 12px; border: 1px solid #b8c2cf;
  background: repeating-linear-gradient(135deg, #d5dbe3 0 2px, #f1f3f6 2px 5px); }
.mtd { color: var(--muted); font-size: 11px; font-style: italic; }
details.def { display: inline-block; position: relative; font-size: 12px; font-weight: 400;
  text-transform: none; letter-spacing: 0; }
details.def summary { list-style: none; cursor: pointer; width: 16px; height: 16px;
  border-radius: 50%; background: #dfe6ef; color: var(--navy); font: italic 600 11px/16px
  Georgia, serif; text-align: center; }
details.def summary::-webkit-details-marker { display: none; }
details.def[open] p { position: absolute; z-index: 10; top: 20px; left: -8px; width: 320px;
  margin: 0; padding: 10px 12px; background: #fff; color: var(--ink); border: 1px solid
  var(--line); border-radius: 8px; box-shadow: 0 6px 20px rgba(0,0,0,.12); line-height: 1.4; }
.table-scroll { overflow-x: auto; max-width: 100%; -webkit-overflow-scrolling: touch; }
table { width: 100%; border-collapse: collapse; font-size: 13px; }
th { text-align: left; color: var(--muted); font-weight: 600; font-size: 12px;
  border-bottom: 2px solid var(--line); padding: 6px 8px; }
td { border-bottom: 1px solid var(--line); padding: 5px 8px; vertical-align: middle; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.level-1 td:first-child { font-weight: 650; }
tr.level-2 td:first-child { font-weight: 550; }
tr.group td { background: var(--bg); font-weight: 650; }
.spark { width: 150px; height: 28px; }
.count { background: #fdebd0; color: #9a5b00; border-radius: 10px; padding: 0 8px;
  font-size: 12px; line-height: 20px; }
.glossary dl { display: grid; grid-template-columns: 220px minmax(0, 1fr); gap: 6px 16px;
  margin: 0; }
.glossary dt { font-weight: 600; }
.glossary dd { margin: 0; color: var(--muted); }
footer { color: var(--muted); font-size: 12px; margin: 16px 4px 32px; }
@media (max-width: 900px) { .kpis { grid-template-columns: repeat(3, minmax(0, 1fr)); }
  .row { grid-template-columns: minmax(0, 1fr); } }
@media (max-width: 600px) {
  main { padding: 12px; }
  header { flex-direction: column; align-items: flex-start; gap: 10px; padding: 16px; }
  header h1 { font-size: 22px; }
  header .period { align-items: flex-start; }
  .kpis { grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 8px; margin: 12px 0; }
  .card { padding: 10px 12px; }
  .card .label { font-size: 11px; letter-spacing: 0; }
  .card .value { font-size: 24px; }
  .panel { padding: 12px; margin: 12px 0; }
  .row { gap: 12px; }
  .chart { min-height: 280px; }
  .spark { width: 96px; }
  td, th { padding: 5px 6px; }
  .glossary dl { grid-template-columns: minmax(0, 1fr); gap: 2px; }
  .glossary dd { margin-bottom: 8px; }
  details.def[open] p { position: fixed; top: auto; bottom: 12px; left: 12px; right: 12px;
    width: auto; }
}
@media print {
  body { background: #fff; font-size: 11px; }
  main { max-width: none; padding: 0; }
  header { background: #fff; color: var(--ink); border: 2px solid var(--navy); }
  .panel, .card { border-color: #ccc; }
  .kpis { grid-template-columns: repeat(6, minmax(0, 1fr)); }
  .table-scroll { overflow: visible; }
  details.def { display: none; }
  .modebar-container { display: none; }
  @page { size: A4; margin: 12mm; }
}
"""
