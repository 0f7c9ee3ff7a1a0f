// Syntax highlighting for Lox and Potato, as CodeMirror stream modes: keywords,
// strings, numbers and comments, the words the two lexers know.
const LOX_KEYWORDS = new Set([
  "and", "class", "else", "false", "for", "fun", "if", "nil", "or", "print",
  "return", "super", "this", "true", "var", "while",
]);

export const loxMode = {
  name: "lox",
  token(stream) {
    if (stream.eatSpace()) return null;
    if (stream.match("//")) {
      stream.skipToEnd();
      return "comment";
    }
    if (stream.match(/^"[^"]*("|$)/)) return "string";
    if (stream.match(/^\d+(\.\d+)?/)) return "number";
    if (stream.match(/^[A-Za-z_][A-Za-z0-9_]*/)) {
      const word = stream.current();
      if (LOX_KEYWORDS.has(word)) return word === "true" || word === "false" || word === "nil" ? "atom" : "keyword";
      return stream.peek() === "(" ? "variableName.function" : "variableName";
    }
    stream.next();
    return "operator";
  },
};

const POTATO_KEYWORDS = new Set(["say", "potato", "equals?", "is", "gains"]);

// Potato's words are runs of anything but white space, parentheses, commas, quotes
// and `#` (docs/potato.md, "Words").
export const potatoMode = {
  name: "potato",
  token(stream) {
    if (stream.eatSpace()) return null;
    if (stream.peek() === "#") {
      stream.skipToEnd();
      return "comment";
    }
    if (stream.match(/^"[^"]*("|$)/)) return "string";
    if (stream.match(/^\d+(\.\d+)?/)) return "number";
    if (stream.match(/^[^\s(),"#]+/u)) {
      const word = stream.current();
      if (POTATO_KEYWORDS.has(word)) return "keyword";
      return stream.peek() === " " || stream.peek() === "(" ? "variableName" : "variableName";
    }
    stream.next();
    return "punctuation";
  },
};
