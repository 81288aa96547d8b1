//! Attribute access: instance dict, class MRO, descriptors (methods, `property`,
//! `staticmethod`, `classmethod`), `super()`, and the few attributes built-in values have.

use std::sync::Arc;

use super::{PyErr, PyResult, Vm};
use crate::objects::types::types;
use crate::objects::{BoundMethod, Class, Object, Payload, PyStr, Value};

impl Vm {
    /// `obj.name`
    pub fn get_attr(&mut self, obj: &Value, name: &Arc<PyStr>) -> PyResult<Value> {
        match self.try_get_attr(obj, name)? {
            Some(value) => Ok(value),
            None => {
                if let Value::Object(_) = obj {
                    if let Some(getattr) = obj.class().lookup_str("__getattr__") {
                        return self.call_positional(
                            &getattr,
                            vec![obj.clone(), Value::Str(name.clone())],
                        );
                    }
                }
                Err(no_attribute(obj, name.as_str()))
            }
        }
    }

    /// `obj.name`, or `None` when there is no such attribute (no `__getattr__` fallback).
    pub fn try_get_attr(&mut self, obj: &Value, name: &Arc<PyStr>) -> PyResult<Option<Value>> {
        match obj {
            Value::Object(object) => self.object_attr(obj, object, name),
            Value::Class(class) => self.class_attr(class, name),
            Value::Module(module) => Ok(match module.dict.get_str(name) {
                Some(value) => Some(value),
                None if name.as_str() == "__name__" => Some(Value::Str(module.name.clone())),
                None if name.as_str() == "__dict__" => Some(Value::Dict(module.dict.clone())),
                None => None,
            }),
            Value::Function(function) => Ok(match name.as_str() {
                "__name__" => Some(Value::Str(function.code.name.clone())),
                "__qualname__" => Some(Value::Str(function.code.qualname.clone())),
                "__module__" => Some(Value::Str(function.module.clone())),
                "__doc__" => Some(Value::None),
                "__defaults__" if function.defaults.is_empty() => Some(Value::None),
                "__defaults__" => Some(Value::tuple(function.defaults.clone())),
                _ => self.type_attr(obj, name),
            }),
            Value::Builtin(builtin) => Ok(match name.as_str() {
                "__name__" | "__qualname__" => Some(Value::str(builtin.name)),
                _ => self.type_attr(obj, name),
            }),
            Value::BoundMethod(method) => Ok(match name.as_str() {
                "__self__" => Some(method.receiver.clone()),
                "__func__" => Some(method.function.clone()),
                _ => return self.try_get_attr(&method.function.clone(), name),
            }),
            _ => Ok(self.type_attr(obj, name)),
        }
    }

    /// Attributes of built-in values: the methods of their type, bound.
    fn type_attr(&mut self, obj: &Value, name: &Arc<PyStr>) -> Option<Value> {
        let class = obj.class();
        if name.as_str() == "__class__" {
            return Some(Value::Class(class));
        }
        let attr = class.lookup(name)?;
        Some(bind(attr, obj))
    }

    fn object_attr(
        &mut self,
        obj: &Value,
        object: &Arc<Object>,
        name: &Arc<PyStr>,
    ) -> PyResult<Option<Value>> {
        if let Payload::Super {
            class,
            object: receiver,
        } = &object.payload
        {
            let owner = receiver_class(receiver);
            let mro = owner.full_mro();
            let after = mro
                .iter()
                .position(|c| Arc::ptr_eq(c, class))
                .map_or(mro.len(), |i| i + 1);
            for candidate in &mro[after..] {
                if let Some(attr) = candidate.dict.get_str(name) {
                    return self.descriptor_get(attr, receiver).map(Some);
                }
            }
            return Ok(None);
        }
        let flags = object.class.attribute_flags();
        if flags & crate::objects::Dict::HOLDS_ATTRIBUTE_HOOK != 0 {
            if let Some(hook) = object.class.lookup_str("__getattribute__") {
                return match self
                    .call_positional(&hook, vec![obj.clone(), Value::Str(name.clone())])
                {
                    Ok(value) => Ok(Some(value)),
                    Err(error) if error.is(crate::objects::types::ExcKind::AttributeError) => {
                        Ok(None)
                    }
                    Err(error) => Err(error),
                };
            }
        }
        // Without properties along the MRO, the instance dict answers first.
        if object.class.attribute_flags() & crate::objects::Dict::HOLDS_PROPERTY == 0 {
            if let Some(value) = object.dict.get_str(name) {
                return Ok(Some(value));
            }
        }
        let class_attr = object.class.lookup(name);
        if let Some(Value::Object(descriptor)) = &class_attr {
            if let Payload::Property(property) = &descriptor.payload {
                let getter = property.getter.clone();
                return self.call_positional(&getter, vec![obj.clone()]).map(Some);
            }
        }
        if let Some(value) = object.dict.get_str(name) {
            return Ok(Some(value));
        }
        if let Some(attr) = class_attr {
            return self.descriptor_get(attr, obj).map(Some);
        }
        Ok(match name.as_str() {
            "__class__" => Some(Value::Class(object.class.clone())),
            "__dict__" => Some(Value::Dict(object.dict.clone())),
            _ => object.exception().and_then(|data| match name.as_str() {
                "args" => Some(data.args()),
                "code"
                    if object.class.is_subclass(
                        crate::objects::types::types()
                            .exception(crate::objects::types::ExcKind::SystemExit),
                    ) =>
                {
                    Some(match data.args() {
                        Value::Tuple(t) if t.items().len() == 1 => t.items()[0].clone(),
                        Value::Tuple(t) if t.items().is_empty() => Value::None,
                        other => other,
                    })
                }
                "__cause__" => Some(data.cause().unwrap_or(Value::None)),
                "__context__" => Some(data.context().unwrap_or(Value::None)),
                "__traceback__" => Some(Value::None),
                _ => None,
            }),
        })
    }

    fn class_attr(&mut self, class: &Arc<Class>, name: &Arc<PyStr>) -> PyResult<Option<Value>> {
        if let Some(attr) = class.lookup(name) {
            if let Value::Object(descriptor) = &attr {
                match &descriptor.payload {
                    Payload::StaticMethod(function) => return Ok(Some(function.clone())),
                    Payload::ClassMethod(function) => {
                        return Ok(Some(Value::BoundMethod(Arc::new(BoundMethod {
                            function: function.clone(),
                            receiver: Value::Class(class.clone()),
                        }))))
                    }
                    _ => {}
                }
            }
            return Ok(Some(attr));
        }
        Ok(match name.as_str() {
            "__name__" => Some(Value::Str(class.name.clone())),
            "__qualname__" => Some(Value::Str(class.qualname.clone())),
            "__module__" => Some(Value::Str(class.module.clone())),
            "__doc__" => Some(Value::None),
            "__dict__" => Some(Value::Dict(class.dict.clone())),
            "__bases__" => Some(Value::tuple(
                class.bases.iter().cloned().map(Value::Class).collect(),
            )),
            "__mro__" => Some(Value::tuple(
                class.full_mro().into_iter().map(Value::Class).collect(),
            )),
            "__class__" => Some(Value::Class(types().type_type.clone())),
            _ => None,
        })
    }

    /// What a class attribute becomes when read through an instance.
    fn descriptor_get(&mut self, attr: Value, receiver: &Value) -> PyResult<Value> {
        if let Value::Object(descriptor) = &attr {
            if let Payload::Property(property) = &descriptor.payload {
                let getter = property.getter.clone();
                return self.call_positional(&getter, vec![receiver.clone()]);
            }
        }
        Ok(bind(attr, receiver))
    }

    /// `obj.name = value`
    pub fn set_attr(&mut self, obj: &Value, name: &Arc<PyStr>, value: Value) -> PyResult<()> {
        match obj {
            Value::Object(object) => {
                let flags = object.class.attribute_flags();
                if flags == 0 {
                    object.dict.set_str(name, value);
                    return Ok(());
                }
                if let Some(Value::Object(descriptor)) = object.class.lookup(name) {
                    if let Payload::Property(property) = &descriptor.payload {
                        return match &property.setter {
                            Some(setter) => {
                                let setter = setter.clone();
                                self.call_positional(&setter, vec![obj.clone(), value])
                                    .map(drop)
                            }
                            None => Err(PyErr::attribute_error(format!(
                                "property '{}' of '{}' object has no setter",
                                name.as_str(),
                                object.class.name.as_str()
                            ))),
                        };
                    }
                }
                if let Some(setattr) = object.class.lookup_str("__setattr__") {
                    return self
                        .call_positional(
                            &setattr,
                            vec![obj.clone(), Value::Str(name.clone()), value],
                        )
                        .map(drop);
                }
                object.dict.set_str(name, value);
                Ok(())
            }
            Value::Class(class) if !class.builtin => {
                class.dict.set_str(name, value);
                Ok(())
            }
            Value::Class(class) => Err(PyErr::type_error(format!(
                "cannot set '{}' attribute of immutable type '{}'",
                name.as_str(),
                class.name.as_str()
            ))),
            Value::Module(module) => {
                module.dict.set_str(name, value);
                Ok(())
            }
            _ => Err(no_attribute(obj, name.as_str())),
        }
    }

    /// `del obj.name`
    pub fn del_attr(&mut self, obj: &Value, name: &Arc<PyStr>) -> PyResult<()> {
        if let Value::Object(object) = obj {
            if object.class.attribute_flags() & crate::objects::Dict::HOLDS_ATTRIBUTE_HOOK != 0 {
                if let Some(delattr) = object.class.lookup_str("__delattr__") {
                    return self
                        .call_positional(&delattr, vec![obj.clone(), Value::Str(name.clone())])
                        .map(drop);
                }
            }
        }
        let removed = match obj {
            Value::Object(object) => object.dict.remove(&crate::objects::HashKey::str(name)),
            Value::Class(class) if !class.builtin => {
                class.dict.remove(&crate::objects::HashKey::str(name))
            }
            Value::Module(module) => module.dict.remove(&crate::objects::HashKey::str(name)),
            _ => None,
        };
        match removed {
            Some(_) => Ok(()),
            None => Err(no_attribute(obj, name.as_str())),
        }
    }

    /// For `LoadMethod`: `(function, receiver)` when `obj.name` is a plain method, so the call
    /// needs no bound-method object; otherwise `(Null, obj.name)`.
    pub(crate) fn load_method(
        &mut self,
        obj: Value,
        name: &Arc<PyStr>,
    ) -> PyResult<(Value, Value)> {
        let in_instance_dict = match &obj {
            Value::Object(object) => {
                matches!(object.payload, Payload::Super { .. })
                    || object.dict.get_str(name).is_some()
            }
            Value::Class(_) | Value::Module(_) => true,
            _ => false,
        };
        if !in_instance_dict {
            if let Some(attr) = obj.class().lookup(name) {
                if matches!(attr, Value::Function(_) | Value::Builtin(_)) {
                    return Ok((attr, obj));
                }
            }
        }
        let attr = self.get_attr(&obj, name)?;
        Ok((Value::Null, attr))
    }
}

/// A function found on a class, bound to the instance it was read through.
fn bind(attr: Value, receiver: &Value) -> Value {
    match &attr {
        Value::Function(_) | Value::Builtin(_) => Value::BoundMethod(Arc::new(BoundMethod {
            function: attr,
            receiver: receiver.clone(),
        })),
        Value::Object(descriptor) => match &descriptor.payload {
            Payload::StaticMethod(function) => function.clone(),
            Payload::ClassMethod(function) => Value::BoundMethod(Arc::new(BoundMethod {
                function: function.clone(),
                receiver: Value::Class(receiver_class(receiver)),
            })),
            _ => attr,
        },
        _ => attr,
    }
}

/// The class whose MRO `super()` and classmethods use for `receiver` (an instance or a
/// class).
fn receiver_class(receiver: &Value) -> Arc<Class> {
    match receiver {
        Value::Class(class) => class.clone(),
        other => other.class(),
    }
}

pub(crate) fn no_attribute(obj: &Value, name: &str) -> PyErr {
    let message = match obj {
        Value::Module(module) => format!(
            "module '{}' has no attribute '{name}'",
            module.name.as_str()
        ),
        Value::Class(class) => format!(
            "type object '{}' has no attribute '{name}'",
            class.name.as_str()
        ),
        other => format!("'{}' object has no attribute '{name}'", other.type_name()),
    };
    PyErr::attribute_error(message)
}
