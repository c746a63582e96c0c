"""Argument maps: the claims, their evidence and links as a graph (`graph`), written as Argdown,
AIF JSON or Graphviz DOT, and Argdown read back."""
