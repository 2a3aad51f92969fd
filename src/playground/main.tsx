/** Entry of the playground bundle: Monaco's workers, GraphiQL's styles, then the page. */
import "graphiql/setup-workers/vite";
import "graphiql/style.css";
import "./playground.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { Playground } from "./Playground.js";

const root = document.getElementById("root");
if (!root) throw new Error("playground: #root is missing from index.html");
createRoot(root).render(
  <StrictMode>
    <Playground />
  </StrictMode>,
);
