//! A labelled tree drawn with box characters, shared by the AST, core-tree and scope
//! dumps. Drawing is iterative, so a deep tree cannot exhaust the native stack.

/// One node: its label and its children, in order.
#[derive(Debug, Default)]
pub struct Node {
    pub label: String,
    pub children: Vec<Node>,
}

impl Node {
    pub fn leaf(label: impl Into<String>) -> Node {
        Node {
            label: label.into(),
            children: Vec::new(),
        }
    }

    pub fn new(label: impl Into<String>, children: Vec<Node>) -> Node {
        Node {
            label: label.into(),
            children,
        }
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
    // (node, prefix for its children, its own connector)
    let mut stack: Vec<(&Node, String, String)> = Vec::new();
    for root in roots.iter().rev() {
        stack.push((root, String::new(), String::new()));
    }
    while let Some((node, prefix, connector)) = stack.pop() {
        out.push_str(&connector);
        out.push_str(&node.label);
        out.push('\n');
        let n = node.children.len();
        for (i, child) in node.children.iter().enumerate().rev() {
            let last = i + 1 == n;
            let connector = format!("{prefix}{}", if last { "└── " } else { "├── " });
            let child_prefix = format!("{prefix}{}", if last { "    " } else { "│   " });
            stack.push((child, child_prefix, connector));
        }
    }
    out
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
}
