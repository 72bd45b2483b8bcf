//! One shortcode call as the scanner finds it in the text, and the tokens it reads.

use std::ops::Range;
use tera::Value;

/// One shortcode call found in the text.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Call {
    pub(super) name: String,
    pub(super) named: Vec<(String, Value)>,
    pub(super) positional: Vec<Value>,
    pub(super) form: Form,
    pub(super) self_closing: bool,
    /// The opening tag.
    pub(super) tag: Range<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Form {
    /// `{{ name() }}`
    ZolaInline,
    /// `{% name() %}…{% end %}`
    ZolaBlock,
    /// `{{< name >}}`: output is HTML.
    HugoHtml,
    /// `{{% name %}}`: output is markdown.
    HugoMarkdown,
}

#[derive(Debug, PartialEq)]
pub(super) enum Token {
    /// Not a shortcode (plain `{{ text }}`, a tera tag in a Zola post...).
    Text,
    /// An escaped shortcode: shown as `literal`.
    Escape {
        end: usize,
        literal: String,
    },
    Open(Call),
    /// `{{< /name >}}`
    Close {
        name: String,
        end: usize,
    },
    /// `{% end %}`
    End {
        end: usize,
    },
}
