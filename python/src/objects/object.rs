use std::any::Any;
use std::sync::{Arc, OnceLock};

use super::{Class, Dict, ExceptionData, Value};

/// An instance of a user class, an exception, or a library object.
pub struct Object {
    pub class: Arc<Class>,
    /// The instance `__dict__`.
    pub dict: Arc<Dict>,
    pub payload: Payload,
}

/// The part of an object that is not attributes.
pub enum Payload {
    None,
    Exception(ExceptionData),
    StaticMethod(Value),
    ClassMethod(Value),
    Property(Property),
    /// `super()`: look up attributes after `class` in the MRO of `object`'s type.
    Super {
        class: Arc<Class>,
        object: Value,
    },
    /// State of a library object written in Rust, attached once by its `__init__`.
    Native(OnceLock<Arc<dyn Any + Send + Sync>>),
}

pub struct Property {
    pub getter: Value,
    pub setter: Option<Value>,
    pub deleter: Option<Value>,
}

impl Object {
    pub fn new(class: Arc<Class>, payload: Payload) -> Arc<Object> {
        Arc::new(Object {
            class,
            dict: Dict::new(),
            payload,
        })
    }

    pub fn exception(&self) -> Option<&ExceptionData> {
        match &self.payload {
            Payload::Exception(data) => Some(data),
            _ => None,
        }
    }

    /// The Rust state of a library object, if attached and of type `T`.
    pub fn native<T: Any + Send + Sync>(&self) -> Option<Arc<T>> {
        match &self.payload {
            Payload::Native(cell) => cell.get()?.clone().downcast::<T>().ok(),
            _ => None,
        }
    }
}
