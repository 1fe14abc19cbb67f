//! DynamoDB's JSON protocol written straight from JavaScript values, and
//! answers read straight into them, in Rust (`native.dynamodb`, called by
//! the SDK shim in `js/aws-sdk.js`).
//!
//! The shim's own way is JavaScript: the document client marshalls its
//! input into attribute values (new objects), JSON.stringify writes them,
//! JSON.parse reads the answer into more objects and the document client
//! unmarshalls those into the plain values it returns. QuickJS makes and
//! reads every one of those objects; counted, that was more than half of a
//! DocumentClient GetCommand's instructions (docs/benchmarks-functions.md).
//! Here the attribute values are written as they are read from the input
//! and built as they are parsed from the answer, and none of the
//! intermediate objects exists.
//!
//! Each side does only what it can do exactly as the JavaScript does, and
//! declines the rest ([`Decline`]): a class instance, a Set, a Map, a
//! NumberValue, binary data, a BigInt, an object with `toJSON`, a string
//! that is not well-formed UTF-16, an answer with binary values or
//! timestamps, a nesting deeper than [`MAX_DEPTH`], an option it does not
//! know. The shim then does the whole call its own way, which also throws
//! the errors JavaScript throws (an undefined value, NaN, an unsafe
//! integer). A request is declined before anything is sent, so nothing is
//! sent twice.

use std::io::Write as _;

use rquickjs::atom::PredefinedAtom;
use rquickjs::convert::Coerced;
use rquickjs::{qjs, Array, Constructor, Ctx, FromJs as _, Object, Value};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// The native path gave up; the shim's JavaScript does the same work and decides.
#[derive(Debug)]
pub struct Decline;

impl From<rquickjs::Error> for Decline {
    fn from(_: rquickjs::Error) -> Self {
        Decline
    }
}

type Done<T = ()> = Result<T, Decline>;

/// Objects and arrays nested deeper than this are left to JavaScript (an
/// item may nest 32 levels, which its attribute values make about 64; the
/// limit keeps this recursion's native stack small).
pub const MAX_DEPTH: u32 = 80;

/// Number.MAX_SAFE_INTEGER.
const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

/// A document command's input fields that hold attribute maps (the shim's
/// MAP_FIELDS), and those whose values the shim rewrites in other ways
/// (conditions, updates, statement parameters): a request with one of the
/// latter is declined.
const MAP_FIELDS: [&str; 4] = ["Key", "Item", "ExpressionAttributeValues", "ExclusiveStartKey"];
const JS_FIELDS: [&str; 6] = ["AttributeUpdates", "Expected", "KeyConditions", "QueryFilter", "ScanFilter", "Parameters"];

/// A document answer's fields that hold attribute maps (OUTPUT_MAP_FIELDS),
/// and the one holding a list of them.
const OUTPUT_MAP_FIELDS: [&str; 3] = ["Item", "Attributes", "LastEvaluatedKey"];
const OUTPUT_LIST_FIELD: &str = "Items";

/// A key that an assignment (`o[k] = v`) does not make a property of: the
/// shim's marshalling and unmarshalling set it, so it is declined there.
/// (JSON.parse and JSON.stringify treat it as any other key.)
const PROTO: &str = "__proto__";

/// The marshallOptions that change what convertToAttr writes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Marshall {
    convert_empty: bool,
    remove_undefined: bool,
    allow_imprecise: bool,
}

impl Marshall {
    /// Read from a marshallOptions object, as the shim reads it (truthiness).
    pub fn read(options: &Object) -> Done<Self> {
        let flag = |name: &str| -> Done<bool> { Ok(options.get::<_, Coerced<bool>>(name)?.0) };
        Ok(Marshall {
            convert_empty: flag("convertEmptyValues")?,
            remove_undefined: flag("removeUndefinedValues")?,
            allow_imprecise: flag("allowImpreciseNumbers")?,
        })
    }
}

/// Whether the shim would walk an answer for binary values or timestamps
/// (its mayHoldBinary and mayHoldTime): those answers are left to it.
pub fn leaves_to_javascript(body: &str) -> bool {
    body.contains("\"B\"") || body.contains("\"BS\"") || body.contains("Time\"")
}

/// The UTF-8 of a JavaScript string, or a decline when it holds a lone
/// surrogate (which JSON.stringify escapes and UTF-8 cannot carry).
fn with_str<'js, R>(s: &rquickjs::String<'js>, f: impl FnOnce(&str) -> R) -> Done<R> {
    let c = s.clone().to_cstring()?;
    // SAFETY: QuickJS gives `len` bytes at the pointer, alive as long as `c`.
    let bytes = unsafe { std::slice::from_raw_parts(c.as_ptr() as *const u8, c.len()) };
    let text = std::str::from_utf8(bytes).map_err(|_| Decline)?;
    Ok(f(text))
}

// ---------------------------------------------------------------------------
// Writing a request.

/// Writes a command's input as the shim would send it.
pub struct Writer<'js> {
    ctx: Ctx<'js>,
    out: Vec<u8>,
    object_proto: Object<'js>,
    array_proto: Object<'js>,
    /// The Object constructor, for convertToAttr's plain-object test: read
    /// when first needed.
    object_ctor: Option<Value<'js>>,
    depth: u32,
}

impl<'js> Writer<'js> {
    pub fn new(ctx: &Ctx<'js>) -> Done<Self> {
        let object_proto = Object::new(ctx.clone())?.get_prototype().ok_or(Decline)?;
        let array_proto = Array::new(ctx.clone())?.into_object().get_prototype().ok_or(Decline)?;
        Ok(Writer { ctx: ctx.clone(), out: Vec::with_capacity(256), object_proto, array_proto, object_ctor: None, depth: 0 })
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.out
    }

    /// The input object: JSON.stringify's text of it (the low-level client,
    /// `marshall` None), or of the document client's marshallInput of it.
    pub fn input(&mut self, input: &Value<'js>, marshall: Option<Marshall>) -> Done {
        let obj = input.as_object().filter(|o| !o.is_function() && !o.is_array()).ok_or(Decline)?;
        self.json_object(obj, marshall)
    }

    fn push(&mut self, s: &str) {
        self.out.extend_from_slice(s.as_bytes());
    }

    fn quoted(&mut self, s: &str) -> Done {
        serde_json::to_writer(&mut self.out, s).map_err(|_| Decline)
    }

    fn string(&mut self, s: &rquickjs::String<'js>) -> Done {
        with_str(s, |text| self.quoted(text))?
    }

    /// A finite number as JavaScript's ToString writes it (an integer by
    /// hand, anything else by QuickJS).
    fn number(&mut self, v: &Value<'js>, f: f64) -> Done {
        if f.fract() == 0.0 && f.abs() <= MAX_SAFE {
            let _ = write!(self.out, "{}", f as i64);
        } else {
            let text: Coerced<String> = v.get()?;
            self.push(&text.0);
        }
        Ok(())
    }

    fn enter(&mut self) -> Done {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Decline);
        }
        Ok(())
    }

    /// A member's key (after a comma unless it is the first) and colon.
    fn key(&mut self, first: &mut bool, key: &str) -> Done {
        if !std::mem::take(first) {
            self.out.push(b',');
        }
        self.quoted(key)?;
        self.out.push(b':');
        Ok(())
    }

    /// Writes the key, then the value; takes the key back when the value
    /// writes nothing.
    fn member(&mut self, first: &mut bool, key: &str, value: &Value<'js>) -> Done {
        let mark = self.out.len();
        if !*first {
            self.out.push(b',');
        }
        self.quoted(key)?;
        self.out.push(b':');
        if self.json(value)? {
            *first = false;
        } else {
            self.out.truncate(mark);
        }
        Ok(())
    }

    /// `value` as JSON.stringify writes it; false when it writes nothing
    /// there (undefined, a function, a symbol).
    fn json(&mut self, v: &Value<'js>) -> Done<bool> {
        if let Some(s) = v.as_string() {
            self.string(s)?;
        } else if let Some(i) = v.as_int() {
            let _ = write!(self.out, "{i}");
        } else if let Some(f) = v.as_float() {
            if f.is_finite() {
                self.number(v, f)?;
            } else {
                self.push("null");
            }
        } else if let Some(b) = v.as_bool() {
            self.push(if b { "true" } else { "false" });
        } else if v.is_null() {
            self.push("null");
        } else if let Some(obj) = v.as_object() {
            if obj.is_function() {
                return Ok(false);
            }
            self.enter()?;
            if obj.is_array() {
                self.json_array(obj)?;
            } else {
                self.json_object(obj, None)?;
            }
            self.depth -= 1;
        } else if v.is_undefined() || v.is_symbol() {
            return Ok(false);
        } else {
            // A BigInt, which JSON.stringify refuses.
            return Err(Decline);
        }
        Ok(true)
    }

    /// An array with Array.prototype (a subclass's instance is declined).
    fn plain_array(&self, obj: &Object<'js>) -> Done<Array<'js>> {
        if obj.get_prototype().as_ref() != Some(&self.array_proto) {
            return Err(Decline);
        }
        obj.clone().into_array().ok_or(Decline)
    }

    fn json_array(&mut self, obj: &Object<'js>) -> Done {
        let array = self.plain_array(obj)?;
        self.out.push(b'[');
        for i in 0..array.len() {
            if i > 0 {
                self.out.push(b',');
            }
            let item: Value = array.get(i)?;
            if !self.json(&item)? {
                self.push("null");
            }
        }
        self.out.push(b']');
        Ok(())
    }

    /// An object with Object.prototype or no prototype, and no toJSON; with
    /// `marshall`, the top-level input of a document command.
    fn json_object(&mut self, obj: &Object<'js>, marshall: Option<Marshall>) -> Done {
        match obj.get_prototype() {
            None => {}
            Some(proto) if proto == self.object_proto => {}
            Some(_) => return Err(Decline),
        }
        let to_json: Value = obj.get(PredefinedAtom::ToJSON)?;
        if to_json.is_function() {
            return Err(Decline);
        }
        self.out.push(b'{');
        let mut first = true;
        for prop in obj.props::<rquickjs::String, Value>() {
            let (key, value) = prop?;
            with_str(&key, |key| -> Done {
                match marshall {
                    // marshallInput's Object.assign sets the copy's prototype.
                    Some(_) if key == PROTO => Err(Decline),
                    Some(m) if MAP_FIELDS.contains(&key) => {
                        if value.is_undefined() {
                            return Ok(());
                        }
                        self.key(&mut first, key)?;
                        self.map_field(&value, m)
                    }
                    Some(_) if JS_FIELDS.contains(&key) && !value.is_undefined() && !value.is_null() => Err(Decline),
                    _ => self.member(&mut first, key, &value),
                }
            })??;
        }
        self.out.push(b'}');
        Ok(())
    }

    // -- convertToAttr

    /// The document client's `map` of a top-level field: convertToAttr's
    /// attribute value, or the map or list inside it.
    fn map_field(&mut self, v: &Value<'js>, m: Marshall) -> Done {
        if let Some(obj) = v.as_object().filter(|o| !o.is_function()) {
            self.enter()?;
            if obj.is_array() {
                self.attr_list(obj, m)?;
            } else if self.is_plain(obj)? {
                self.attr_map(obj, m)?;
            } else {
                return Err(Decline);
            }
            self.depth -= 1;
            return Ok(());
        }
        self.attr(v, m)
    }

    /// convertToAttr(v) written as its attribute value.
    fn attr(&mut self, v: &Value<'js>, m: Marshall) -> Done {
        if let Some(s) = v.as_string() {
            with_str(s, |text| -> Done {
                if text.is_empty() && m.convert_empty {
                    self.push(r#"{"NULL":true}"#);
                } else {
                    self.push(r#"{"S":"#);
                    self.quoted(text)?;
                    self.out.push(b'}');
                }
                Ok(())
            })??;
        } else if let Some(i) = v.as_int() {
            let _ = write!(self.out, r#"{{"N":"{i}"}}"#);
        } else if let Some(f) = v.as_float() {
            // NaN and the infinities, and unsafe integers unless allowed,
            // are convertToAttr's errors.
            if !f.is_finite() || (!m.allow_imprecise && f.abs() > MAX_SAFE) {
                return Err(Decline);
            }
            self.push(r#"{"N":""#);
            self.number(v, f)?;
            self.push(r#""}"#);
        } else if let Some(b) = v.as_bool() {
            self.push(if b { r#"{"BOOL":true}"# } else { r#"{"BOOL":false}"# });
        } else if v.is_null() {
            self.push(r#"{"NULL":true}"#);
        } else if let Some(obj) = v.as_object().filter(|o| !o.is_function()) {
            self.enter()?;
            if obj.is_array() {
                self.push(r#"{"L":"#);
                self.attr_list(obj, m)?;
            } else if self.is_plain(obj)? {
                self.push(r#"{"M":"#);
                self.attr_map(obj, m)?;
            } else {
                // A Set, a Map, a NumberValue, binary, a class instance...
                return Err(Decline);
            }
            self.out.push(b'}');
            self.depth -= 1;
        } else {
            // undefined, a BigInt, a symbol, a function.
            return Err(Decline);
        }
        Ok(())
    }

    /// The shim's isPlainObject.
    fn is_plain(&mut self, obj: &Object<'js>) -> Done<bool> {
        let ctor: Value = obj.get(PredefinedAtom::Constructor)?;
        match obj.get_prototype() {
            None => Ok(!Coerced::<bool>::from_js(&self.ctx, ctor)?.0),
            Some(proto) if proto == self.object_proto => {
                if self.object_ctor.is_none() {
                    self.object_ctor = Some(self.object_proto.get(PredefinedAtom::Constructor)?);
                }
                Ok(self.object_ctor.as_ref() == Some(&ctor))
            }
            Some(_) => Ok(false),
        }
    }

    /// An array's items (functions left out, undefined ones too when
    /// removeUndefinedValues), each converted.
    fn attr_list(&mut self, obj: &Object<'js>, m: Marshall) -> Done {
        let array = self.plain_array(obj)?;
        self.out.push(b'[');
        let mut first = true;
        for i in 0..array.len() {
            let item: Value = array.get(i)?;
            if item.is_function() || (item.is_undefined() && m.remove_undefined) {
                continue;
            }
            if !first {
                self.out.push(b',');
            }
            first = false;
            self.attr(&item, m)?;
        }
        self.out.push(b']');
        Ok(())
    }

    /// A plain object's own enumerable properties, each converted (the
    /// shim's attrMap).
    fn attr_map(&mut self, obj: &Object<'js>, m: Marshall) -> Done {
        self.out.push(b'{');
        let mut first = true;
        for prop in obj.props::<rquickjs::String, Value>() {
            let (key, value) = prop?;
            if value.is_function() || (value.is_undefined() && m.remove_undefined) {
                continue;
            }
            with_str(&key, |key| {
                // attrMap's `M[k] = ...` sets M's prototype.
                if key == PROTO {
                    return Err(Decline);
                }
                self.key(&mut first, key)
            })??;
            self.attr(&value, m)?;
        }
        self.out.push(b'}');
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Reading an answer.

/// Reads a successful answer's JSON into JavaScript values, as JSON.parse
/// does; with `unmarshall`, the document client's output fields come out
/// as the plain values its unmarshallOutput makes of them (the
/// unmarshallOptions must be the defaults: the shim checks).
pub fn read<'js>(ctx: &Ctx<'js>, text: &str, unmarshall: bool) -> Done<Value<'js>> {
    let reader = Reader { ctx, set: std::cell::RefCell::new(None) };
    let mut de = serde_json::Deserializer::from_str(text);
    let how = if unmarshall { How::Output } else { How::Plain };
    let value = Seed { r: &reader, how, depth: 0 }.deserialize(&mut de).map_err(|_| Decline)?;
    de.end().map_err(|_| Decline)?;
    Ok(value)
}

struct Reader<'a, 'js> {
    ctx: &'a Ctx<'js>,
    /// The Set constructor, for SS and NS: looked up when first needed.
    set: std::cell::RefCell<Option<Constructor<'js>>>,
}

/// What a JSON value is read as.
#[derive(Clone, Copy, PartialEq)]
enum How {
    /// JSON.parse's value.
    Plain,
    /// The answer object of a document command.
    Output,
    /// An attribute map, unmarshalled (wireMap).
    AvMap,
    /// An attribute map, or a falsy value left as it is (an output field).
    AvMapField,
    /// A list of attribute maps (Items), or a falsy value.
    AvMapsField,
    /// One attribute value, unmarshalled (wireToNative).
    Av,
    /// A list of attribute values (L).
    AvList,
    /// The strings of an SS.
    StringSet,
    /// The numbers of an NS.
    NumberSet,
    /// An N's string, as a number.
    Number,
}

struct Seed<'r, 'a, 'js> {
    r: &'r Reader<'a, 'js>,
    how: How,
    depth: u32,
}

fn fail<E: de::Error>(_: impl std::fmt::Debug) -> E {
    E::custom("declined")
}

impl<'js> Reader<'_, 'js> {
    fn int(&self, n: i64) -> Value<'js> {
        match i32::try_from(n) {
            Ok(i) => Value::new_int(self.ctx.clone(), i),
            Err(_) => Value::new_float(self.ctx.clone(), n as f64),
        }
    }

    fn float(&self, f: f64) -> Value<'js> {
        if f.fract() == 0.0 && f.abs() < 2_147_483_648.0 && !(f == 0.0 && f.is_sign_negative()) {
            Value::new_int(self.ctx.clone(), f as i32)
        } else {
            Value::new_float(self.ctx.clone(), f)
        }
    }

    fn string<E: de::Error>(&self, s: &str) -> Result<Value<'js>, E> {
        Ok(rquickjs::String::from_str(self.ctx.clone(), s).map_err(fail)?.into_value())
    }

    /// convertNumber without wrapNumbers: Number(n), unless that is an
    /// unsafe integer (which the shim makes a BigInt).
    fn number<E: de::Error>(&self, text: &str) -> Result<Value<'js>, E> {
        // Number() of anything else (hex, Infinity, whitespace) is not
        // Rust's parse of it; the engine writes only decimal numbers.
        let decimal = text.bytes().next().is_some_and(|b| b == b'-' || b.is_ascii_digit())
            && text.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
        let n: f64 = if decimal { text.parse().map_err(fail)? } else { return Err(fail(text)) };
        if n.is_finite() && n.abs() > MAX_SAFE {
            return Err(fail(n));
        }
        Ok(self.float(n))
    }

    /// Defines `key` on `obj` as JSON.parse does (an own property even
    /// for `__proto__`).
    fn define<E: de::Error>(&self, obj: &Object<'js>, key: &str, value: Value<'js>) -> Result<(), E> {
        let ctx = self.ctx.as_raw().as_ptr();
        // SAFETY: `ctx` is live; the atom is freed here and the value's
        // reference is handed to QuickJS (forgotten here).
        unsafe {
            let atom = qjs::JS_NewAtomLen(ctx, key.as_ptr() as *const _, key.len() as _);
            if atom == qjs::JS_ATOM_NULL {
                std::mem::drop(value);
                return Err(fail("atom"));
            }
            let raw = value.as_raw();
            std::mem::forget(value);
            let done = qjs::JS_DefinePropertyValue(ctx, obj.as_raw(), atom, raw, qjs::JS_PROP_C_W_E as _);
            qjs::JS_FreeAtom(ctx, atom);
            if done < 0 {
                return Err(fail("define"));
            }
        }
        Ok(())
    }

    fn new_set<E: de::Error>(&self, items: Array<'js>) -> Result<Value<'js>, E> {
        let mut set = self.set.borrow_mut();
        if set.is_none() {
            *set = Some(self.ctx.globals().get("Set").map_err(fail)?);
        }
        set.as_ref().expect("just set").construct((items,)).map_err(fail)
    }
}

impl<'de, 'js> DeserializeSeed<'de> for Seed<'_, '_, 'js> {
    type Value = Value<'js>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value<'js>, D::Error> {
        if self.depth > MAX_DEPTH {
            return Err(fail(self.depth));
        }
        d.deserialize_any(self)
    }
}

impl<'r, 'a, 'js> Seed<'r, 'a, 'js> {
    fn child(&self, how: How) -> Seed<'r, 'a, 'js> {
        Seed { r: self.r, how, depth: self.depth + 1 }
    }

    /// A scalar where only plain JSON (or a falsy field left as it is) may be.
    fn scalar<E: de::Error>(&self, v: Value<'js>, falsy: bool) -> Result<Value<'js>, E> {
        match self.how {
            How::Plain => Ok(v),
            How::AvMapField | How::AvMapsField if falsy => Ok(v),
            _ => Err(fail("shape")),
        }
    }
}

impl<'de, 'js> Visitor<'de> for Seed<'_, '_, 'js> {
    type Value = Value<'js>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a DynamoDB answer")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value<'js>, E> {
        self.scalar(Value::new_null(self.r.ctx.clone()), true)
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value<'js>, E> {
        self.scalar(Value::new_bool(self.r.ctx.clone(), b), !b)
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Value<'js>, E> {
        self.scalar(self.r.int(n), n == 0)
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Value<'js>, E> {
        let v = match i64::try_from(n) {
            Ok(n) => self.r.int(n),
            Err(_) => Value::new_float(self.r.ctx.clone(), n as f64),
        };
        self.scalar(v, n == 0)
    }

    fn visit_f64<E: de::Error>(self, f: f64) -> Result<Value<'js>, E> {
        self.scalar(self.r.float(f), f == 0.0 || f.is_nan())
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value<'js>, E> {
        match self.how {
            How::Number => self.r.number(s),
            _ => {
                let v = self.r.string(s)?;
                self.scalar(v, s.is_empty())
            }
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value<'js>, A::Error> {
        let item = match self.how {
            How::Plain => How::Plain,
            How::AvMapsField => How::AvMap,
            How::AvList => How::Av,
            How::StringSet => How::Plain,
            How::NumberSet => How::Number,
            _ => return Err(fail("shape")),
        };
        let array = Array::new(self.r.ctx.clone()).map_err(fail)?;
        let mut i = 0;
        while let Some(v) = seq.next_element_seed(self.child(item))? {
            if self.how == How::StringSet && !v.is_string() {
                return Err(fail("SS"));
            }
            array.set(i, v).map_err(fail)?;
            i += 1;
        }
        match self.how {
            How::StringSet | How::NumberSet => self.r.new_set(array),
            _ => Ok(array.into_value()),
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value<'js>, A::Error> {
        match self.how {
            How::Av => self.attribute_value(map),
            How::Plain | How::Output | How::AvMap | How::AvMapField => {
                let obj = Object::new(self.r.ctx.clone()).map_err(fail)?;
                while let Some(key) = map.next_key::<std::borrow::Cow<str>>()? {
                    if key == PROTO && self.how != How::Plain {
                        return Err(fail(PROTO));
                    }
                    let how = match self.how {
                        How::Plain => How::Plain,
                        How::AvMap | How::AvMapField => How::Av,
                        _ if OUTPUT_MAP_FIELDS.contains(&key.as_ref()) => How::AvMapField,
                        _ if key == OUTPUT_LIST_FIELD => How::AvMapsField,
                        _ => How::Plain,
                    };
                    let value = map.next_value_seed(self.child(how))?;
                    self.r.define(&obj, &key, value)?;
                }
                Ok(obj.into_value())
            }
            _ => Err(fail("shape")),
        }
    }
}

impl<'js> Seed<'_, '_, 'js> {
    /// wireToNative of an attribute value of one field.
    fn attribute_value<'de, A: MapAccess<'de>>(self, mut map: A) -> Result<Value<'js>, A::Error> {
        let Some(kind) = map.next_key::<std::borrow::Cow<str>>()? else {
            return Err(fail("no value"));
        };
        let value = match kind.as_ref() {
            "S" => {
                let v = map.next_value_seed(self.child(How::Plain))?;
                if !v.is_string() {
                    return Err(fail("S"));
                }
                v
            }
            "N" => map.next_value_seed(self.child(How::Number))?,
            "M" => map.next_value_seed(self.child(How::AvMap))?,
            "L" => map.next_value_seed(self.child(How::AvList))?,
            "BOOL" => {
                let v = map.next_value_seed(self.child(How::Plain))?;
                if v.as_bool().is_none() {
                    return Err(fail("BOOL"));
                }
                v
            }
            "NULL" => {
                map.next_value::<IgnoredAny>()?;
                Value::new_null(self.r.ctx.clone())
            }
            "SS" => map.next_value_seed(self.child(How::StringSet))?,
            "NS" => map.next_value_seed(self.child(How::NumberSet))?,
            _ => return Err(fail("kind")),
        };
        if map.next_key::<IgnoredAny>()?.is_some() {
            return Err(fail("two fields"));
        }
        Ok(value)
    }
}
