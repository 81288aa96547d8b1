//! `socket`, `urllib.request`, `http.client`: present, but every connection fails as CPython fails offline.
//!
//! A run has no network (the browser could not give it one, and runs must be the same
//! everywhere), so every connection attempt raises what CPython raises on a machine without
//! one, with the message "network access is not available in threadlab":
//!
//! | attempt                               | exception                                  |
//! |---------------------------------------|--------------------------------------------|
//! | a host name (`example.com`)           | `socket.gaierror` (errno -3)               |
//! | the loopback (`localhost`, `127.0.0.1`) | `ConnectionRefusedError` (errno 111)     |
//! | another numeric address               | `OSError` (errno 101, network unreachable) |
//! | `urlopen(...)`                        | `urllib.error.URLError`, `.reason` the above |
//!
//! The exceptions' `args` hold only the message (so they print as CPython's would, minus the
//! `[Errno N]` prefix); `errno` and `strerror` are set as CPython sets them. Programs that
//! catch the error then behave as they would offline.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use crate::builtins::args::{bind, positional};
use crate::modules::native::{
    add_function, add_method, add_property, attach_native, exception_class, native, native_class,
    split_receiver,
};
use crate::objects::types::{types, ExcKind};
use crate::objects::{Args, Class, Dict, Int, PyStr, Value};
use crate::vm::{PyErr, PyResult, Vm};

/// What every failed connection says.
pub const NO_NETWORK: &str = "network access is not available in threadlab";

// ----- errors -----

fn gaierror_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| exception_class("socket", "gaierror", ExcKind::OSError))
}

fn herror_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| exception_class("socket", "herror", ExcKind::OSError))
}

/// An `OSError` (or subclass) instance with `errno` and `strerror` set.
fn os_error(class: &Arc<Class>, errno: i64, message: &str) -> Value {
    let exception = PyErr::from_class(class, vec![Value::str(message)]).into_exception();
    if let Value::Object(object) = &exception {
        object.dict.set_by_name("errno", Value::Int(errno));
        object.dict.set_by_name("strerror", Value::str(message));
    }
    exception
}

fn is_loopback(host: &str) -> bool {
    matches!(host, "" | "localhost" | "::1" | "0.0.0.0") || host.starts_with("127.")
}

fn is_numeric(host: &str) -> bool {
    host.parse::<std::net::IpAddr>().is_ok()
}

/// The exception CPython raises offline when connecting to `host`.
fn connection_error(host: &str) -> Value {
    if is_loopback(host) {
        os_error(
            types().exception(ExcKind::ConnectionRefusedError),
            111,
            NO_NETWORK,
        )
    } else if is_numeric(host) {
        os_error(types().exception(ExcKind::OSError), 101, NO_NETWORK)
    } else {
        os_error(gaierror_class(), -3, NO_NETWORK)
    }
}

fn host_arg(value: &Value) -> PyResult<String> {
    match value {
        Value::Str(s) => Ok(s.as_str().to_owned()),
        Value::Bytes(b) => Ok(String::from_utf8_lossy(b).into_owned()),
        other => Err(PyErr::type_error(format!(
            "str, bytes or bytearray expected, not {}",
            other.type_name()
        ))),
    }
}

/// An `AF_INET` address `(host, port)`, checked as CPython checks it.
fn address_arg(value: &Value, function: &str) -> PyResult<(String, i64)> {
    let Value::Tuple(tuple) = value else {
        return Err(PyErr::type_error(format!(
            "AF_INET address must be tuple, not {}",
            value.type_name()
        )));
    };
    let [host, port, ..] = tuple.items() else {
        return Err(PyErr::type_error(
            "AF_INET address must be a pair (host, port)",
        ));
    };
    let host = host_arg(host)?;
    let port = match Int::of(port) {
        Some(Int::Small(p)) => p,
        Some(Int::Big(_)) => -1,
        None => {
            return Err(PyErr::type_error(format!(
                "'{}' object cannot be interpreted as an integer",
                port.type_name()
            )))
        }
    };
    if !(0..=65535).contains(&port) {
        return Err(PyErr::new(
            ExcKind::OverflowError,
            format!("{function}(): port must be 0-65535."),
        ));
    }
    Ok((host, port))
}

// ----- socket -----

struct SocketState {
    family: i64,
    kind: i64,
    proto: i64,
    timeout: Mutex<Option<f64>>,
    closed: AtomicBool,
}

fn socket_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| {
        let class = native_class("socket", "socket", &[]);
        add_method(&class, "__init__", socket_init);
        add_method(&class, "__enter__", socket_enter);
        add_method(&class, "__exit__", socket_close);
        add_method(&class, "__repr__", socket_repr);
        add_method(&class, "connect", socket_connect);
        add_method(&class, "connect_ex", socket_connect_ex);
        add_method(&class, "bind", socket_unavailable);
        add_method(&class, "listen", socket_unavailable);
        add_method(&class, "accept", socket_unavailable);
        add_method(&class, "send", socket_unavailable);
        add_method(&class, "sendall", socket_unavailable);
        add_method(&class, "sendto", socket_unavailable);
        add_method(&class, "recv", socket_unavailable);
        add_method(&class, "recvfrom", socket_unavailable);
        add_method(&class, "recv_into", socket_unavailable);
        add_method(&class, "makefile", socket_unavailable);
        add_method(&class, "getpeername", socket_unavailable);
        add_method(&class, "close", socket_close);
        add_method(&class, "shutdown", socket_accept_anything);
        add_method(&class, "setsockopt", socket_accept_anything);
        add_method(&class, "setblocking", socket_accept_anything);
        add_method(&class, "settimeout", socket_settimeout);
        add_method(&class, "gettimeout", socket_gettimeout);
        add_method(&class, "fileno", socket_fileno);
        add_property(&class, "family", socket_family, None);
        add_property(&class, "type", socket_type, None);
        add_property(&class, "proto", socket_proto, None);
        class
    })
}

pub(super) fn build_socket(_vm: &mut Vm, module: &Dict) -> PyResult<()> {
    module.set_by_name("socket", Value::Class(socket_class().clone()));
    module.set_by_name("SocketType", Value::Class(socket_class().clone()));
    module.set_by_name(
        "error",
        Value::Class(types().exception(ExcKind::OSError).clone()),
    );
    module.set_by_name(
        "timeout",
        Value::Class(types().exception(ExcKind::TimeoutError).clone()),
    );
    module.set_by_name("gaierror", Value::Class(gaierror_class().clone()));
    module.set_by_name("herror", Value::Class(herror_class().clone()));
    for (name, value) in [
        ("AF_UNIX", 1),
        ("AF_INET", 2),
        ("AF_INET6", 10),
        ("SOCK_STREAM", 1),
        ("SOCK_DGRAM", 2),
        ("SOCK_RAW", 3),
        ("SOL_SOCKET", 1),
        ("SO_REUSEADDR", 2),
        ("SO_KEEPALIVE", 9),
        ("SO_BROADCAST", 6),
        ("IPPROTO_TCP", 6),
        ("IPPROTO_UDP", 17),
        ("TCP_NODELAY", 1),
        ("SHUT_RD", 0),
        ("SHUT_WR", 1),
        ("SHUT_RDWR", 2),
        ("SOMAXCONN", 4096),
    ] {
        module.set_by_name(name, Value::Int(value));
    }
    add_function(module, "gethostname", gethostname);
    add_function(module, "gethostbyname", gethostbyname);
    add_function(module, "getaddrinfo", getaddrinfo);
    add_function(module, "create_connection", create_connection);
    add_function(module, "getdefaulttimeout", getdefaulttimeout);
    add_function(module, "setdefaulttimeout", setdefaulttimeout);
    Ok(())
}

fn state_of(this: &Value) -> PyResult<Arc<SocketState>> {
    let state = native::<SocketState>(this)
        .ok_or_else(|| PyErr::type_error("socket.__init__() was not called"))?;
    if state.closed.load(Ordering::Relaxed) {
        return Err(PyErr::from_exception(os_error(
            types().exception(ExcKind::OSError),
            9,
            "[Errno 9] Bad file descriptor",
        )));
    }
    Ok(state)
}

fn small_int(slot: &Option<Value>, default: i64) -> PyResult<i64> {
    match slot {
        None | Some(Value::None) => Ok(default),
        Some(value) => crate::builtins::args::int_arg(value),
    }
}

/// `socket(family=AF_INET, type=SOCK_STREAM, proto=0, fileno=None)`
fn socket_init(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let slots = bind(args, "socket", &["family", "type", "proto", "fileno"], 0)?;
    let family = small_int(&slots[0], 2)?;
    let kind = small_int(&slots[1], 1)?;
    let proto = small_int(&slots[2], 0)?;
    if !matches!(family, 1 | 2 | 10) {
        return Err(PyErr::from_exception(os_error(
            types().exception(ExcKind::OSError),
            97,
            "[Errno 97] Address family not supported by protocol",
        )));
    }
    attach_native(
        &this,
        SocketState {
            family,
            kind,
            proto,
            timeout: Mutex::new(None),
            closed: AtomicBool::new(false),
        },
    )?;
    Ok(Value::None)
}

fn socket_enter(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    Ok(this)
}

fn socket_close(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    if let Some(state) = native::<SocketState>(&this) {
        state.closed.store(true, Ordering::Relaxed);
    }
    Ok(Value::None)
}

fn socket_repr(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    Ok(Value::str(match native::<SocketState>(&this) {
        Some(state) if state.closed.load(Ordering::Relaxed) => {
            "<socket.socket [closed] fd=-1>".to_owned()
        }
        Some(state) => format!(
            "<socket.socket fd=-1, family={}, type={}, proto={}>",
            state.family, state.kind, state.proto
        ),
        None => "<socket.socket (uninitialised)>".to_owned(),
    }))
}

/// `connect(address)`: fails as it does offline.
fn socket_connect(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let args = positional(args, "connect", 1, 1)?;
    state_of(&this)?;
    let (host, _) = address_arg(&args[0], "connect")?;
    Err(PyErr::from_exception(connection_error(&host)))
}

/// `connect_ex(address)`: the errno instead of the exception, except for name lookups,
/// which raise there too.
fn socket_connect_ex(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let args = positional(args, "connect_ex", 1, 1)?;
    state_of(&this)?;
    let (host, _) = address_arg(&args[0], "connect_ex")?;
    if is_loopback(&host) {
        return Ok(Value::Int(111));
    }
    if is_numeric(&host) {
        return Ok(Value::Int(101));
    }
    Err(PyErr::from_exception(connection_error(&host)))
}

/// Serving, sending and receiving: a socket here is never connected.
fn socket_unavailable(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    state_of(&this)?;
    Err(PyErr::from_exception(os_error(
        types().exception(ExcKind::OSError),
        107,
        NO_NETWORK,
    )))
}

fn socket_accept_anything(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    state_of(&this)?;
    Ok(Value::None)
}

fn timeout_value(value: &Value) -> PyResult<Option<f64>> {
    if value.is_none() {
        return Ok(None);
    }
    let seconds = match value {
        Value::Float(f) => *f,
        other => Int::of(other).and_then(|i| i.to_f64()).ok_or_else(|| {
            PyErr::type_error(format!(
                "'{}' object cannot be interpreted as an integer or float",
                other.type_name()
            ))
        })?,
    };
    if seconds.is_nan() {
        return Err(PyErr::value_error("Invalid value NaN (not a number)"));
    }
    if seconds < 0.0 {
        return Err(PyErr::value_error("Timeout value out of range"));
    }
    Ok(Some(seconds))
}

fn socket_settimeout(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let args = positional(args, "settimeout", 1, 1)?;
    let state = state_of(&this)?;
    *crate::objects::lock(&state.timeout) = timeout_value(&args[0])?;
    Ok(Value::None)
}

fn socket_gettimeout(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    let state = state_of(&this)?;
    let timeout = *crate::objects::lock(&state.timeout);
    Ok(timeout.map_or(Value::None, Value::Float))
}

fn socket_fileno(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    Ok(Value::Int(match native::<SocketState>(&this) {
        Some(state) if !state.closed.load(Ordering::Relaxed) => 3,
        _ => -1,
    }))
}

fn socket_family(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    Ok(native::<SocketState>(&this).map_or(Value::None, |s| Value::Int(s.family)))
}

fn socket_type(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    Ok(native::<SocketState>(&this).map_or(Value::None, |s| Value::Int(s.kind)))
}

fn socket_proto(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    Ok(native::<SocketState>(&this).map_or(Value::None, |s| Value::Int(s.proto)))
}

fn gethostname(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    positional(args, "gethostname", 0, 0)?;
    Ok(Value::str("threadlab"))
}

/// The address of `host` without a network: the loopback and numeric addresses resolve,
/// as they do offline; names do not.
fn resolve(host: &str) -> PyResult<String> {
    if matches!(host, "localhost" | "threadlab") {
        return Ok("127.0.0.1".to_owned());
    }
    if host.is_empty() {
        return Ok("0.0.0.0".to_owned());
    }
    if host.parse::<std::net::Ipv4Addr>().is_ok() {
        return Ok(host.to_owned());
    }
    Err(PyErr::from_exception(connection_error(host)))
}

fn gethostbyname(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "gethostbyname", 1, 1)?;
    Ok(Value::str(resolve(&host_arg(&args[0])?)?))
}

/// `getaddrinfo(host, port, ...)`: one IPv4 stream entry for what resolves offline.
fn getaddrinfo(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let slots = bind(
        args,
        "getaddrinfo",
        &["host", "port", "family", "type", "proto", "flags"],
        2,
    )?;
    let host = match &slots[0] {
        None | Some(Value::None) => "localhost".to_owned(),
        Some(host) => host_arg(host)?,
    };
    let address = resolve(&host)?;
    let port = match &slots[1] {
        None | Some(Value::None) => 0,
        Some(Value::Str(s)) => s.as_str().parse().unwrap_or(0),
        Some(port) => crate::builtins::args::int_arg(port)?,
    };
    Ok(Value::list(vec![Value::tuple(vec![
        Value::Int(2),
        Value::Int(1),
        Value::Int(6),
        Value::str(""),
        Value::tuple(vec![Value::str(address), Value::Int(port)]),
    ])]))
}

/// `create_connection(address, timeout=..., source_address=None)`
fn create_connection(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let slots = bind(
        args,
        "create_connection",
        &["address", "timeout", "source_address", "all_errors"],
        1,
    )?;
    let (host, _) = address_arg(
        slots[0].as_ref().unwrap_or(&Value::None),
        "create_connection",
    )?;
    Err(PyErr::from_exception(connection_error(&host)))
}

fn getdefaulttimeout(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    positional(args, "getdefaulttimeout", 0, 0)?;
    Ok(Value::None)
}

fn setdefaulttimeout(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "setdefaulttimeout", 1, 1)?;
    timeout_value(&args[0])?;
    Ok(Value::None)
}

// ----- urllib.error -----

fn url_error_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| {
        let class = exception_class("urllib.error", "URLError", ExcKind::OSError);
        add_method(&class, "__init__", url_error_init);
        add_method(&class, "__str__", url_error_str);
        class
    })
}

fn http_error_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| {
        let class = crate::objects::types::library_class(
            "urllib.error",
            "HTTPError",
            &[url_error_class()],
            crate::objects::class::Layout::Exception,
        );
        add_method(&class, "__init__", http_error_init);
        add_method(&class, "__str__", http_error_str);
        class
    })
}

pub(super) fn build_urllib_error(_vm: &mut Vm, module: &Dict) -> PyResult<()> {
    module.set_by_name("URLError", Value::Class(url_error_class().clone()));
    module.set_by_name("HTTPError", Value::Class(http_error_class().clone()));
    Ok(())
}

fn set_attr(object: &Value, name: &str, value: Value) {
    if let Value::Object(object) = object {
        object.dict.set_by_name(name, value);
    }
}

/// `URLError(reason, filename=None)`
fn url_error_init(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let slots = bind(args, "URLError", &["reason", "filename"], 1)?;
    set_attr(&this, "reason", slots[0].clone().unwrap_or(Value::None));
    if let Some(filename) = slots[1].clone() {
        set_attr(&this, "filename", filename);
    }
    Ok(Value::None)
}

/// `<urlopen error REASON>`
fn url_error_str(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    let reason = vm.get_attr(&this, &PyStr::interned("reason"))?;
    Ok(Value::str(format!("<urlopen error {}>", vm.str(&reason)?)))
}

/// `HTTPError(url, code, msg, hdrs, fp)`
fn http_error_init(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let slots = bind(args, "HTTPError", &["url", "code", "msg", "hdrs", "fp"], 5)?;
    let mut values = slots.into_iter().map(|s| s.unwrap_or(Value::None));
    let mut next = || values.next().unwrap_or(Value::None);
    let (url, code, msg, hdrs, fp) = (next(), next(), next(), next(), next());
    set_attr(&this, "url", url.clone());
    set_attr(&this, "filename", url);
    set_attr(&this, "code", code);
    set_attr(&this, "reason", msg.clone());
    set_attr(&this, "msg", msg);
    set_attr(&this, "hdrs", hdrs.clone());
    set_attr(&this, "headers", hdrs);
    set_attr(&this, "fp", fp);
    Ok(Value::None)
}

/// `HTTP Error CODE: MSG`
fn http_error_str(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    let code = vm.get_attr(&this, &PyStr::interned("code"))?;
    let msg = vm.get_attr(&this, &PyStr::interned("msg"))?;
    Ok(Value::str(format!(
        "HTTP Error {}: {}",
        vm.str(&code)?,
        vm.str(&msg)?
    )))
}

// ----- urllib.request -----

fn request_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| {
        let class = native_class("urllib.request", "Request", &[]);
        add_method(&class, "__init__", request_init);
        add_method(&class, "get_method", request_get_method);
        add_method(&class, "get_full_url", request_get_full_url);
        add_method(&class, "add_header", request_add_header);
        add_method(&class, "has_header", request_has_header);
        add_method(&class, "get_header", request_get_header);
        class
    })
}

pub(super) fn build_urllib_request(vm: &mut Vm, module: &Dict) -> PyResult<()> {
    // As in CPython, `urllib.request` imports `urllib.error`, and re-exports its classes.
    vm.import("urllib.error")?;
    module.set_by_name("Request", Value::Class(request_class().clone()));
    module.set_by_name("URLError", Value::Class(url_error_class().clone()));
    module.set_by_name("HTTPError", Value::Class(http_error_class().clone()));
    add_function(module, "urlopen", urlopen);
    add_function(module, "urlretrieve", urlretrieve);
    Ok(())
}

/// `scheme` and `host` of `url`, or CPython's `ValueError` for a URL without a scheme.
fn split_url(url: &str) -> PyResult<(String, String)> {
    let scheme = url
        .split_once(':')
        .map(|(scheme, _)| scheme)
        .filter(|s| !s.is_empty() && !s.contains('/'));
    let Some(scheme) = scheme else {
        return Err(PyErr::value_error(format!(
            "unknown url type: {}",
            crate::objects::string::string_repr(url)
        )));
    };
    let rest = &url[scheme.len() + 1..];
    let host = rest
        .strip_prefix("//")
        .map(|r| r.split(['/', '?', '#']).next().unwrap_or(""))
        .unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or(host);
    let host = match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    };
    Ok((scheme.to_ascii_lowercase(), host.to_owned()))
}

/// `Request(url, data=None, headers={}, origin_req_host=None, unverifiable=False, method=None)`
fn request_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let slots = bind(
        args,
        "Request",
        &[
            "url",
            "data",
            "headers",
            "origin_req_host",
            "unverifiable",
            "method",
        ],
        1,
    )?;
    let url = slots[0].clone().unwrap_or(Value::None);
    let url_text = vm.str(&url)?;
    let (scheme, host) = split_url(&url_text)?;
    let headers = Dict::new();
    if let Some(Value::Dict(given)) = &slots[2] {
        for (key, value) in given.items() {
            let key = vm.str(&key)?;
            headers.set_by_name(&capitalize(&key), value);
        }
    }
    set_attr(&this, "full_url", Value::str(url_text));
    set_attr(&this, "type", Value::str(scheme));
    set_attr(&this, "host", Value::str(host));
    set_attr(&this, "data", slots[1].clone().unwrap_or(Value::None));
    set_attr(&this, "headers", Value::Dict(headers));
    set_attr(&this, "method", slots[5].clone().unwrap_or(Value::None));
    set_attr(
        &this,
        "unverifiable",
        slots[4].clone().unwrap_or(Value::Bool(false)),
    );
    Ok(Value::None)
}

/// `"content-type"` → `"Content-type"`, as `Request.add_header` stores names.
fn capitalize(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first
            .to_uppercase()
            .chain(chars.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    }
}

fn attr(vm: &mut Vm, object: &Value, name: &str) -> PyResult<Value> {
    vm.get_attr(object, &PyStr::interned(name))
}

fn request_get_method(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    let method = attr(vm, &this, "method")?;
    if !method.is_none() {
        return Ok(method);
    }
    let data = attr(vm, &this, "data")?;
    Ok(Value::str(if data.is_none() { "GET" } else { "POST" }))
}

fn request_get_full_url(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    attr(vm, &this, "full_url")
}

fn request_add_header(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let args = positional(args, "add_header", 2, 2)?;
    let key = capitalize(&vm.str(&args[0])?);
    if let Value::Dict(headers) = attr(vm, &this, "headers")? {
        headers.set_by_name(&key, args[1].clone());
    }
    Ok(Value::None)
}

fn request_has_header(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let args = positional(args, "has_header", 1, 1)?;
    let key = vm.str(&args[0])?;
    Ok(Value::Bool(match attr(vm, &this, "headers")? {
        Value::Dict(headers) => headers.get_by_name(&key).is_some(),
        _ => false,
    }))
}

fn request_get_header(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let args = positional(args, "get_header", 1, 2)?;
    let key = vm.str(&args[0])?;
    let default = args.get(1).cloned().unwrap_or(Value::None);
    Ok(match attr(vm, &this, "headers")? {
        Value::Dict(headers) => headers.get_by_name(&key).unwrap_or(default),
        _ => default,
    })
}

/// `URLError(reason)`
fn url_error(reason: Value) -> PyErr {
    let exception = PyErr::from_class(url_error_class(), vec![reason.clone()]).into_exception();
    set_attr(&exception, "reason", reason);
    PyErr::from_exception(exception)
}

/// What `urlopen` raises for `url` (a str or a `Request`): `URLError` whose `reason` is the
/// socket error of the connection it would have made.
fn open_error(vm: &mut Vm, url: &Value) -> PyResult<PyErr> {
    let (scheme, host) = if url.class().is_subclass(request_class()) {
        let scheme = attr(vm, url, "type")?;
        let host = attr(vm, url, "host")?;
        (vm.str(&scheme)?, vm.str(&host)?)
    } else {
        split_url(&vm.str(url)?)?
    };
    Ok(match scheme.as_str() {
        "http" | "https" | "ftp" => url_error(connection_error(&host)),
        "file" | "data" => url_error(Value::str(NO_NETWORK)),
        other => url_error(Value::str(format!("unknown url type: {other}"))),
    })
}

/// `urlopen(url, data=None, timeout=..., *, context=None)`
fn urlopen(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let slots = bind(
        args,
        "urlopen",
        &[
            "url",
            "data",
            "timeout",
            "cafile",
            "capath",
            "cadefault",
            "context",
        ],
        1,
    )?;
    if let Some(timeout) = &slots[2] {
        timeout_value(timeout)?;
    }
    let url = slots[0].clone().unwrap_or(Value::None);
    Err(open_error(vm, &url)?)
}

/// `urlretrieve(url, filename=None, ...)`
fn urlretrieve(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let slots = bind(
        args,
        "urlretrieve",
        &["url", "filename", "reporthook", "data"],
        1,
    )?;
    let url = slots[0].clone().unwrap_or(Value::None);
    Err(open_error(vm, &url)?)
}

// ----- http.client -----

fn http_exception_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| exception_class("http.client", "HTTPException", ExcKind::Exception))
}

fn http_subclass(name: &str, base: &Arc<Class>) -> Arc<Class> {
    crate::objects::types::library_class(
        "http.client",
        name,
        &[base],
        crate::objects::class::Layout::Exception,
    )
}

fn improper_state_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| http_subclass("ImproperConnectionState", http_exception_class()))
}

fn response_not_ready_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| http_subclass("ResponseNotReady", improper_state_class()))
}

fn http_connection_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| {
        let class = native_class("http.client", "HTTPConnection", &[]);
        add_method(&class, "__init__", connection_init);
        add_method(&class, "connect", connection_connect);
        add_method(&class, "request", connection_connect);
        add_method(&class, "endheaders", connection_connect);
        add_method(&class, "send", connection_connect);
        add_method(&class, "putrequest", connection_accept);
        add_method(&class, "putheader", connection_accept);
        add_method(&class, "set_debuglevel", connection_accept);
        add_method(&class, "close", connection_accept);
        add_method(&class, "getresponse", connection_getresponse);
        class
    })
}

fn https_connection_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| native_class("http.client", "HTTPSConnection", &[http_connection_class()]))
}

pub(super) fn build_http_client(_vm: &mut Vm, module: &Dict) -> PyResult<()> {
    module.set_by_name(
        "HTTPConnection",
        Value::Class(http_connection_class().clone()),
    );
    module.set_by_name(
        "HTTPSConnection",
        Value::Class(https_connection_class().clone()),
    );
    module.set_by_name(
        "HTTPException",
        Value::Class(http_exception_class().clone()),
    );
    module.set_by_name(
        "ImproperConnectionState",
        Value::Class(improper_state_class().clone()),
    );
    module.set_by_name(
        "ResponseNotReady",
        Value::Class(response_not_ready_class().clone()),
    );
    module.set_by_name("HTTP_PORT", Value::Int(80));
    module.set_by_name("HTTPS_PORT", Value::Int(443));
    Ok(())
}

/// `HTTPConnection(host, port=None, timeout=..., source_address=None, blocksize=8192)`
fn connection_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let slots = bind(
        args,
        "HTTPConnection",
        &[
            "host",
            "port",
            "timeout",
            "source_address",
            "blocksize",
            "context",
        ],
        1,
    )?;
    let host = vm.str(slots[0].as_ref().unwrap_or(&Value::None))?;
    let default_port = if this.class().is_subclass(https_connection_class()) {
        443
    } else {
        80
    };
    let (host, port) = match (&slots[1], host.rsplit_once(':')) {
        (Some(port), _) if !port.is_none() => (host.clone(), port.clone()),
        (_, Some((name, port))) if !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()) => {
            (
                name.to_owned(),
                Value::Int(port.parse().unwrap_or(default_port)),
            )
        }
        _ => (host.clone(), Value::Int(default_port)),
    };
    set_attr(&this, "host", Value::str(host));
    set_attr(&this, "port", port);
    set_attr(&this, "timeout", slots[2].clone().unwrap_or(Value::None));
    Ok(Value::None)
}

/// Anything that would open the connection fails as it does offline.
fn connection_connect(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    let host = attr(vm, &this, "host")?;
    let host = vm.str(&host)?;
    Err(PyErr::from_exception(connection_error(&host)))
}

fn connection_accept(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::None)
}

/// No request was ever sent, so no response is ready.
fn connection_getresponse(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Err(PyErr::from_class(
        response_not_ready_class(),
        vec![Value::str("Idle")],
    ))
}
