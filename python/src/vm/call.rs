//! Calling: argument binding with CPython's error messages, and instantiation.

use std::sync::{Arc, OnceLock};

use super::{Frame, PyErr, PyResult, Vm};
use crate::objects::class::Layout;
use crate::objects::types::ExcKind;
use crate::objects::{
    Args, Class, Dict, ExceptionData, Function, HashKey, Object, Payload, PyStr, Value,
};

impl Vm {
    /// Calls any callable from Rust and returns its result.
    pub fn call(&mut self, callee: &Value, args: Args) -> PyResult<Value> {
        match callee {
            Value::Function(function) => {
                let frame = self.bind_arguments(function, args)?;
                if frame.code.is_generator {
                    return Ok(super::generator::new_generator(frame));
                }
                self.run_frame(frame)
            }
            Value::Builtin(builtin) => (builtin.func)(self, args),
            Value::BoundMethod(method) => {
                let args = args.with_receiver(method.receiver.clone());
                self.call(&method.function, args)
            }
            Value::Class(class) => self.instantiate(class, args),
            Value::Object(_) => match self.lookup_special(callee, "__call__") {
                Some(call) => self.call(&call, args.with_receiver(callee.clone())),
                None => Err(not_callable(callee)),
            },
            _ => Err(not_callable(callee)),
        }
    }

    /// Calls with positional arguments only.
    pub fn call_positional(&mut self, callee: &Value, args: Vec<Value>) -> PyResult<Value> {
        self.call(callee, Args::new(args))
    }

    /// A call made by an opcode: a Python function gets a new frame on the heap stack and the
    /// current loop runs it; anything else is called right away and its result pushed.
    pub(crate) fn call_from_op(&mut self, callee: Value, args: Args) -> PyResult<()> {
        match &callee {
            Value::Function(function) => {
                let frame = self.bind_arguments(function, args)?;
                self.enter_frame(frame)
            }
            Value::BoundMethod(method) if matches!(method.function, Value::Function(_)) => {
                let Value::Function(function) = &method.function else {
                    unreachable!()
                };
                let frame =
                    self.bind_arguments(function, args.with_receiver(method.receiver.clone()))?;
                self.enter_frame(frame)
            }
            _ => {
                let result = self.call(&callee, args)?;
                self.frame().push(result);
                Ok(())
            }
        }
    }

    /// Binds `args` to `function`'s parameters and builds its frame.
    #[allow(clippy::needless_range_loop)] // slots are filled by index from two sources
    pub(crate) fn bind_arguments(
        &mut self,
        function: &Function,
        args: Args,
    ) -> PyResult<Box<Frame>> {
        let code = &function.code;
        let params = &code.parameters;
        let positional = params.positional as usize;
        let mut fast = self.take_fast(code.varnames.len());

        // The common case: exactly the positional parameters, passed positionally.
        if args.keywords.is_empty()
            && args.positional.len() == positional
            && !params.varargs
            && !params.varkw
            && params.keyword_only == 0
        {
            fast.extend(args.positional.into_iter().map(Some));
            fast.resize(code.varnames.len(), None);
            return Ok(self.function_frame(function, fast));
        }

        fast.resize(code.varnames.len(), None);
        let given = args.positional.len();
        let keyword_only = params.keyword_only as usize;
        let mut extra = Vec::new();
        for (index, value) in args.positional.into_iter().enumerate() {
            if index < positional {
                fast[index] = Some(value);
            } else {
                extra.push(value);
            }
        }
        if !extra.is_empty() && !params.varargs {
            return Err(too_many_positional(function, given, args.keywords.len()));
        }
        let mut slot = positional + keyword_only;
        if params.varargs {
            fast[slot] = Some(Value::tuple(extra));
            slot += 1;
        }
        let kwargs = if params.varkw {
            let dict = Dict::new();
            fast[slot] = Some(Value::Dict(dict.clone()));
            Some(dict)
        } else {
            None
        };

        for (name, value) in args.keywords {
            let found = code.varnames[params.positional_only as usize..positional + keyword_only]
                .iter()
                .position(|v| v.as_str() == name.as_str())
                .map(|i| i + params.positional_only as usize);
            match (found, &kwargs) {
                (Some(index), _) => {
                    if fast[index].is_some() {
                        return Err(PyErr::type_error(format!(
                            "{}() got multiple values for argument '{}'",
                            function.code.qualname.as_str(),
                            name.as_str()
                        )));
                    }
                    fast[index] = Some(value);
                }
                (None, Some(kwargs)) => kwargs.insert(HashKey::str(&name), value),
                (None, None) => {
                    return Err(PyErr::type_error(format!(
                        "{}() got an unexpected keyword argument '{}'",
                        function.code.qualname.as_str(),
                        name.as_str()
                    )))
                }
            }
        }

        let first_default = positional - function.defaults.len().min(positional);
        let mut missing = Vec::new();
        for index in given.min(positional)..positional {
            if fast[index].is_none() {
                if index >= first_default {
                    fast[index] = Some(function.defaults[index - first_default].clone());
                } else {
                    missing.push(code.varnames[index].clone());
                }
            }
        }
        if !missing.is_empty() {
            return Err(missing_arguments(function, &missing, "positional"));
        }
        for index in positional..positional + keyword_only {
            if fast[index].is_none() {
                let name = &code.varnames[index];
                match function
                    .kw_defaults
                    .iter()
                    .find(|(n, _)| n.as_str() == name.as_str())
                {
                    Some((_, value)) => fast[index] = Some(value.clone()),
                    None => missing.push(name.clone()),
                }
            }
        }
        if !missing.is_empty() {
            return Err(missing_arguments(function, &missing, "keyword-only"));
        }
        Ok(self.function_frame(function, fast))
    }

    /// `C(args)`: make the instance, then run `__init__`.
    pub fn instantiate(&mut self, class: &Arc<Class>, args: Args) -> PyResult<Value> {
        let new = class.lookup_str("__new__");
        let instance = match (&new, class.layout) {
            (Some(new), _) => {
                let args = args_clone(&args).with_receiver(Value::Class(class.clone()));
                let instance = self.call(new, args)?;
                // A built-in type's `__new__` returns a finished object (`int("3")`,
                // `property(f)`); only user classes go on to `__init__`.
                if class.builtin || !instance.class().is_subclass(class) {
                    return Ok(instance);
                }
                instance
            }
            (None, Layout::BuiltinValue) => {
                return Err(PyErr::type_error(format!(
                    "cannot create '{}' instances",
                    class.qualname.as_str()
                )))
            }
            (None, layout) => {
                let payload = match layout {
                    Layout::Exception => Payload::Exception(ExceptionData::new(Value::tuple(
                        args.positional.clone(),
                    ))),
                    Layout::Native => Payload::Native(OnceLock::new()),
                    _ => Payload::None,
                };
                Value::Object(Object::new(class.clone(), payload))
            }
        };
        match class.lookup_str("__init__") {
            Some(init) => {
                let result = self.call(&init, args.with_receiver(instance.clone()))?;
                if !result.is_none() {
                    return Err(PyErr::type_error(format!(
                        "__init__() should return None, not '{}'",
                        result.type_name()
                    )));
                }
            }
            None if (!args.positional.is_empty() || !args.keywords.is_empty()) && new.is_none() => {
                return Err(PyErr::type_error(format!(
                    "{}() takes no arguments",
                    class.qualname.as_str()
                )));
            }
            None => {}
        }
        Ok(instance)
    }

    /// A special method looked up on the type, as Python does for `__call__`, `__len__`, ….
    pub fn lookup_special(&self, value: &Value, name: &'static str) -> Option<Value> {
        let class = match value {
            Value::Object(object) => &object.class,
            other => match other.builtin_class() {
                Some(class) => class,
                None => return other.class().lookup_str(name),
            },
        };
        crate::objects::string::with_static_name(name, |name| class.lookup(name))
    }

    /// `call_special` for a name built at run time (`__floor__` from `"floor"`).
    pub fn call_special_named(
        &mut self,
        value: &Value,
        name: &str,
        args: Vec<Value>,
    ) -> PyResult<Option<Value>> {
        match value.class().lookup_str(name) {
            Some(method) => {
                let mut all = Vec::with_capacity(args.len() + 1);
                all.push(value.clone());
                all.extend(args);
                self.call(&method, Args::new(all)).map(Some)
            }
            None => Ok(None),
        }
    }

    /// Calls the special method `name` of `value` if its type defines one.
    pub fn call_special(
        &mut self,
        value: &Value,
        name: &'static str,
        args: Vec<Value>,
    ) -> PyResult<Option<Value>> {
        match self.lookup_special(value, name) {
            Some(method) => {
                let mut all = Vec::with_capacity(args.len() + 1);
                all.push(value.clone());
                all.extend(args);
                self.call(&method, Args::new(all)).map(Some)
            }
            None => Ok(None),
        }
    }
}

fn args_clone(args: &Args) -> Args {
    Args {
        positional: args.positional.clone(),
        keywords: args.keywords.clone(),
    }
}

pub(crate) fn not_callable(value: &Value) -> PyErr {
    PyErr::type_error(format!("'{}' object is not callable", value.type_name()))
}

fn too_many_positional(function: &Function, given: usize, keywords: usize) -> PyErr {
    let params = &function.code.parameters;
    let most = params.positional as usize;
    let least = most - function.defaults.len().min(most);
    let takes = if least == most {
        format!("{most} positional argument{}", plural(most))
    } else {
        format!("from {least} to {most} positional arguments")
    };
    let keyword_note = if keywords > 0 {
        format!(
            " (and {keywords} keyword-only argument{})",
            plural(keywords)
        )
    } else {
        String::new()
    };
    let were = if given == 1 { "was" } else { "were" };
    PyErr::type_error(format!(
        "{}() takes {takes} but {given}{keyword_note} {were} given",
        function.code.qualname.as_str()
    ))
}

fn missing_arguments(function: &Function, missing: &[Arc<PyStr>], kind: &str) -> PyErr {
    let names: Vec<String> = missing
        .iter()
        .map(|n| format!("'{}'", n.as_str()))
        .collect();
    let listed = match names.len() {
        1 => names[0].clone(),
        2 => format!("{} and {}", names[0], names[1]),
        n => format!("{}, and {}", names[..n - 1].join(", "), names[n - 1]),
    };
    PyErr::new(
        ExcKind::TypeError,
        format!(
            "{}() missing {} required {kind} argument{}: {listed}",
            function.code.qualname.as_str(),
            missing.len(),
            plural(missing.len())
        ),
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
