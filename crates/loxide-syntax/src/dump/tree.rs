//! A labelled tree drawn with box characters, shared by the AST, core-tree and scope
//! dumps. Drawing is iterative, so a deep tree cannot exhaust the native stack.

use crate::diag::TokIdx;

/// One node: its label, the source line it came from (0 when it has none of its own:
/// it then takes its first child's, or its parent's), the tokens it records (the
/// first and the last; `None` when it records none) and its children, in order.
#[derive(Debug, Default)]
pub struct Node {
    pub label: String,
    pub line: u32,
    pub tokens: Option<(TokIdx, TokIdx)>,
    pub children: Vec<Node>,
}

/// One drawn line of a tree: its text, its source line (see `draw_lines`) and its
/// source span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub text: String,
    pub line: u32,
    /// The bytes of the source the node covers, `start..end`: from the first byte of
    /// the first token it or any of its descendants records to the last byte of the
    /// last. `None` when none of them records a token the table knows.
    pub span: Option<(u32, u32)>,
}

impl Node {
    pub fn leaf(label: impl Into<String>) -> Node {
        Node {
            label: label.into(),
            line: 0,
            tokens: None,
            children: Vec::new(),
        }
    }

    pub fn new(label: impl Into<String>, children: Vec<Node>) -> Node {
        Node {
            label: label.into(),
            line: 0,
            tokens: None,
            children,
        }
    }

    /// Sets the source line the node came from.
    pub fn at(mut self, line: u32) -> Node {
        self.line = line;
        self
    }

    /// Sets the one token the node records of its own (an operator, a name).
    pub fn token(self, tok: TokIdx) -> Node {
        self.tokens(tok, tok)
    }

    /// Sets the first and the last token the node records of its own (a function's
    /// name and the brace that ends its body, say).
    pub fn tokens(mut self, first: TokIdx, last: TokIdx) -> Node {
        self.tokens = Some((first, last));
        self
    }

    /// Prefixes the label with a role, e.g. `cond: LESS`.
    pub fn role(mut self, role: &str) -> Node {
        self.label = format!("{role}: {}", self.label);
        self
    }
}

/// Draws a forest: each root at the margin, its descendants below it.
pub fn draw(roots: &[Node]) -> String {
    let mut out = String::new();
    for line in draw_lines(roots, &|_| None) {
        out.push_str(&line.text);
        out.push('\n');
    }
    out
}

/// Draws a forest as `draw` does, one entry a line, each with the source line of its
/// node (the node's own, or else the first its descendants have, or else its
/// parent's; 0 when none has one) and the source span it covers, which `span_of`
/// gives for each token (`None` for a token it does not know, such as one that
/// desugaring made up). The playground highlights the lines of the tree that came
/// from the line under the cursor, and the span of the line under the mouse.
pub fn draw_lines(roots: &[Node], span_of: &dyn Fn(TokIdx) -> Option<(u32, u32)>) -> Vec<Line> {
    // The nodes in drawing order (pre-order), each with its text and its parent's
    // index. A node's descendants follow it, so walking the list backwards meets
    // every node after all of its descendants: one pass folds the spans upwards.
    struct Drawn<'n> {
        node: &'n Node,
        text: String,
        parent: Option<usize>,
        span: Option<(u32, u32)>,
    }
    let mut drawn: Vec<Drawn> = Vec::new();
    // (node, prefix for its children, its own connector, its parent's index)
    let mut stack: Vec<(&Node, String, String, Option<usize>)> = Vec::new();
    for root in roots.iter().rev() {
        stack.push((root, String::new(), String::new(), None));
    }
    while let Some((node, prefix, connector, parent)) = stack.pop() {
        let index = drawn.len();
        drawn.push(Drawn {
            node,
            text: format!("{connector}{}", node.label),
            parent,
            span: None,
        });
        let n = node.children.len();
        for (i, child) in node.children.iter().enumerate().rev() {
            let last = i + 1 == n;
            let connector = format!("{prefix}{}", if last { "└── " } else { "├── " });
            let child_prefix = format!("{prefix}{}", if last { "    " } else { "│   " });
            stack.push((child, child_prefix, connector, Some(index)));
        }
    }
    for index in (0..drawn.len()).rev() {
        let own = drawn[index]
            .node
            .tokens
            .map(|(first, last)| hull(span_of(first), span_of(last)));
        let span = hull(drawn[index].span, own.flatten());
        drawn[index].span = span;
        if let Some(parent) = drawn[index].parent {
            drawn[parent].span = hull(drawn[parent].span, span);
        }
    }
    let mut lines: Vec<Line> = Vec::with_capacity(drawn.len());
    for d in drawn {
        let line = match first_line(d.node) {
            0 => d.parent.map_or(0, |parent| lines[parent].line),
            line => line,
        };
        lines.push(Line {
            text: d.text,
            line,
            span: d.span,
        });
    }
    lines
}

/// The smallest span that holds both, when there are any.
fn hull(a: Option<(u32, u32)>, b: Option<(u32, u32)>) -> Option<(u32, u32)> {
    match (a, b) {
        (Some(a), Some(b)) => Some((a.0.min(b.0), a.1.max(b.1))),
        (a, None) => a,
        (None, b) => b,
    }
}

/// The node's line, or the first line among its descendants, in drawing order; 0 if
/// none has one. Iterative, as drawing is.
fn first_line(node: &Node) -> u32 {
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        if node.line != 0 {
            return node.line;
        }
        stack.extend(node.children.iter().rev());
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_nested_children_with_box_characters() {
        let tree = Node::new(
            "PRINT",
            vec![Node::new(
                "PLUS",
                vec![Node::leaf("NUMBER 1"), Node::leaf("NUMBER 2")],
            )],
        );
        assert_eq!(
            draw(&[tree]),
            "PRINT\n└── PLUS\n    ├── NUMBER 1\n    └── NUMBER 2\n"
        );
    }

    #[test]
    fn lines_come_from_the_node_then_its_descendants_then_its_parent() {
        let tree = Node::new(
            "FUN f()",
            vec![
                Node::new("RETURN", vec![Node::leaf("NUMBER 1").at(3)]),
                Node::leaf("BLOCK"),
            ],
        )
        .at(2);
        let lines: Vec<u32> = draw_lines(
            &[tree, Node::new("PRINT", vec![Node::leaf("NIL").at(5)])],
            &|_| None,
        )
        .into_iter()
        .map(|line| line.line)
        .collect();
        assert_eq!(lines, [2, 3, 3, 2, 5, 5]);
    }

    #[test]
    fn spans_cover_the_tokens_of_the_node_and_its_descendants() {
        // Token k covers bytes 10k..10k+3; token 9 is one the table does not know.
        let span_of = |tok: TokIdx| (tok != 9).then_some((tok * 10, tok * 10 + 3));
        let tree = Node::new(
            "FUN f()",
            vec![
                Node::new(
                    "PLUS",
                    vec![
                        Node::leaf("NUMBER 1").token(2),
                        Node::leaf("NUMBER 2").token(4),
                    ],
                )
                .token(3),
                Node::leaf("NIL").token(9),
                Node::leaf("BLOCK"),
            ],
        )
        .tokens(1, 6);
        let spans: Vec<Option<(u32, u32)>> = draw_lines(&[tree, Node::leaf("EMPTY")], &span_of)
            .into_iter()
            .map(|line| line.span)
            .collect();
        assert_eq!(
            spans,
            [
                Some((10, 63)),
                Some((20, 43)),
                Some((20, 23)),
                Some((40, 43)),
                None,
                None,
                None
            ]
        );
    }
}
