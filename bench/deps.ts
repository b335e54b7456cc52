/**
 * Third-party imports of the benchmarks, in one place: Vega-Lite compiles a
 * chart description and Vega renders it to SVG without a browser.
 *
 * @module
 */

export * as vega from "npm:vega@6.4.0";
export * as vegaLite from "npm:vega-lite@6.5.0";
