//! The tokenizer shared by every expression kind.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok {
    /// `[A-Za-z][A-Za-z0-9_]*`: names, keywords, function names.
    Ident,
    /// `#name`
    Name,
    /// `:value`
    Value,
    /// `[0-9]+` (list indexes)
    Num,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Plus,
    Minus,
    /// Any character no token starts with.
    Bad,
    Eof,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Token {
    pub tok: Tok,
    pub start: usize,
    pub end: usize,
}

fn word_end(b: &[u8], mut j: usize) -> usize {
    while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
        j += 1;
    }
    j
}

/// Splits `src` into tokens; always ends with `Eof`. Never fails: characters
/// that start no token become `Bad` tokens, which no grammar rule accepts.
pub(crate) fn lex(src: &str) -> Vec<Token> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
            i += 1;
            continue;
        }
        let start = i;
        let next = b.get(i + 1).copied();
        let tok = match c {
            b'A'..=b'Z' | b'a'..=b'z' => {
                i = word_end(b, i + 1);
                Tok::Ident
            }
            b'0'..=b'9' => {
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                Tok::Num
            }
            b'#' | b':' => {
                let j = word_end(b, i + 1);
                if j == i + 1 {
                    i += 1;
                    Tok::Bad
                } else {
                    i = j;
                    if c == b'#' {
                        Tok::Name
                    } else {
                        Tok::Value
                    }
                }
            }
            b'<' => match next {
                Some(b'=') => {
                    i += 2;
                    Tok::Le
                }
                Some(b'>') => {
                    i += 2;
                    Tok::Ne
                }
                _ => {
                    i += 1;
                    Tok::Lt
                }
            },
            b'>' => {
                if next == Some(b'=') {
                    i += 2;
                    Tok::Ge
                } else {
                    i += 1;
                    Tok::Gt
                }
            }
            _ => {
                let single = match c {
                    b'(' => Some(Tok::LParen),
                    b')' => Some(Tok::RParen),
                    b'[' => Some(Tok::LBracket),
                    b']' => Some(Tok::RBracket),
                    b',' => Some(Tok::Comma),
                    b'.' => Some(Tok::Dot),
                    b'=' => Some(Tok::Eq),
                    b'+' => Some(Tok::Plus),
                    b'-' => Some(Tok::Minus),
                    _ => None,
                };
                match single {
                    Some(t) => {
                        i += 1;
                        t
                    }
                    None => {
                        // One whole character (i is always on a char boundary).
                        i += src[i..].chars().next().map(char::len_utf8).unwrap_or(1);
                        Tok::Bad
                    }
                }
            }
        };
        out.push(Token { tok, start, end: i });
    }
    out.push(Token { tok: Tok::Eof, start: b.len(), end: b.len() });
    out
}
