//! A labelled tree drawn with box characters, shared by the AST, core-tree and scope
//! dumps. Drawing is iterative, so a deep tree cannot exhaust the native stack.

/// One node: its label, the source line it came from (0 when it has none of its own:
/// it then takes its first child's, or its parent's) and its children, in order.
#[derive(Debug, Default)]
pub struct Node {
    pub label: String,
    pub line: u32,
    pub children: Vec<Node>,
}

impl Node {
    pub fn leaf(label: impl Into<String>) -> Node {
        Node {
            label: label.into(),
            line: 0,
            children: Vec::new(),
        }
    }

    pub fn new(label: impl Into<String>, children: Vec<Node>) -> Node {
        Node {
            label: label.into(),
            line: 0,
            children,
        }
    }

    /// Sets the source line the node came from.
    pub fn at(mut self, line: u32) -> Node {
        self.line = line;
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
    for (text, _) in draw_lines(roots) {
        out.push_str(&text);
        out.push('\n');
    }
    out
}

/// Draws a forest as `draw` does, one entry a line, each with the source line of its
/// node: the node's own, or else the first its descendants have, or else its parent's
/// (0 when none has one). The playground highlights the lines of the tree that came
/// from the line under the cursor.
pub fn draw_lines(roots: &[Node]) -> Vec<(String, u32)> {
    let mut out = Vec::new();
    // (node, prefix for its children, its own connector, its parent's line)
    let mut stack: Vec<(&Node, String, String, u32)> = Vec::new();
    for root in roots.iter().rev() {
        stack.push((root, String::new(), String::new(), 0));
    }
    while let Some((node, prefix, connector, parent_line)) = stack.pop() {
        let line = match first_line(node) {
            0 => parent_line,
            line => line,
        };
        out.push((format!("{connector}{}", node.label), line));
        let n = node.children.len();
        for (i, child) in node.children.iter().enumerate().rev() {
            let last = i + 1 == n;
            let connector = format!("{prefix}{}", if last { "└── " } else { "├── " });
            let child_prefix = format!("{prefix}{}", if last { "    " } else { "│   " });
            stack.push((child, child_prefix, connector, line));
        }
    }
    out
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
        let lines: Vec<u32> =
            draw_lines(&[tree, Node::new("PRINT", vec![Node::leaf("NIL").at(5)])])
                .into_iter()
                .map(|(_, line)| line)
                .collect();
        assert_eq!(lines, [2, 3, 3, 2, 5, 5]);
    }
}
