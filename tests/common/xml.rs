//! Reading feeds and sitemaps in tests (roxmltree): child elements by
//! namespace and local name. `ns` is a namespace URI, or `None` for elements
//! in no namespace (RSS's own).

use roxmltree::Node;

/// Child elements with this namespace and local name.
pub fn kids<'a, 'i, 'n>(
    node: Node<'a, 'i>,
    ns: impl Into<Option<&'n str>>,
    name: &str,
) -> Vec<Node<'a, 'i>> {
    let ns = ns.into();
    node.children()
        .filter(|n| n.is_element() && n.tag_name().namespace() == ns && n.tag_name().name() == name)
        .collect()
}

/// The one child element with this name; panics when there is none or several.
pub fn kid<'a, 'i, 'n>(
    node: Node<'a, 'i>,
    ns: impl Into<Option<&'n str>>,
    name: &str,
) -> Node<'a, 'i> {
    let found = kids(node, ns, name);
    assert_eq!(
        found.len(),
        1,
        "expected one <{name}> in <{}>",
        node.tag_name().name()
    );
    found[0]
}

/// Text of the one child element with this name.
pub fn text<'n>(node: Node, ns: impl Into<Option<&'n str>>, name: &str) -> String {
    kid(node, ns, name).text().unwrap_or_default().to_string()
}
