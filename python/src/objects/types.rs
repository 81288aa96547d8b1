//! The built-in classes, created once per process.
//!
//! They are immutable (assigning to `int.x` is a `TypeError`), so every run and every thread
//! shares them; that is what lets any code, even without a VM at hand, make a `TypeError`.

use std::sync::{Arc, OnceLock};

use super::class::Layout;
use super::{Class, Dict, PyStr};

macro_rules! exception_kinds {
    ( $( $kind:ident : $parent:ident ),* $(,)? ) => {
        /// Every built-in exception class, named as in Python.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[allow(clippy::enum_variant_names)]
        pub enum ExcKind {
            BaseException,
            $( $kind, )*
        }

        impl ExcKind {
            pub const ALL: &'static [ExcKind] = &[ExcKind::BaseException, $( ExcKind::$kind, )*];

            pub fn name(self) -> &'static str {
                match self {
                    ExcKind::BaseException => "BaseException",
                    $( ExcKind::$kind => stringify!($kind), )*
                }
            }

            pub fn parent(self) -> Option<ExcKind> {
                match self {
                    ExcKind::BaseException => None,
                    $( ExcKind::$kind => Some(ExcKind::$parent), )*
                }
            }
        }
    };
}

exception_kinds! {
    SystemExit: BaseException,
    KeyboardInterrupt: BaseException,
    GeneratorExit: BaseException,
    Exception: BaseException,
    StopIteration: Exception,
    ArithmeticError: Exception,
    FloatingPointError: ArithmeticError,
    OverflowError: ArithmeticError,
    ZeroDivisionError: ArithmeticError,
    AssertionError: Exception,
    AttributeError: Exception,
    BufferError: Exception,
    EOFError: Exception,
    ImportError: Exception,
    ModuleNotFoundError: ImportError,
    LookupError: Exception,
    IndexError: LookupError,
    KeyError: LookupError,
    MemoryError: Exception,
    NameError: Exception,
    UnboundLocalError: NameError,
    OSError: Exception,
    BlockingIOError: OSError,
    ChildProcessError: OSError,
    ConnectionError: OSError,
    BrokenPipeError: ConnectionError,
    ConnectionAbortedError: ConnectionError,
    ConnectionRefusedError: ConnectionError,
    ConnectionResetError: ConnectionError,
    FileExistsError: OSError,
    FileNotFoundError: OSError,
    InterruptedError: OSError,
    PermissionError: OSError,
    ProcessLookupError: OSError,
    TimeoutError: OSError,
    ReferenceError: Exception,
    RuntimeError: Exception,
    NotImplementedError: RuntimeError,
    RecursionError: RuntimeError,
    SyntaxError: Exception,
    SystemError: Exception,
    TypeError: Exception,
    ValueError: Exception,
    UnicodeError: ValueError,
    Warning: Exception,
    DeprecationWarning: Warning,
    RuntimeWarning: Warning,
    UserWarning: Warning,
}

pub struct BuiltinTypes {
    pub object_type: Arc<Class>,
    pub type_type: Arc<Class>,
    pub none_type: Arc<Class>,
    pub bool_type: Arc<Class>,
    pub int_type: Arc<Class>,
    pub float_type: Arc<Class>,
    pub str_type: Arc<Class>,
    pub bytes_type: Arc<Class>,
    pub tuple_type: Arc<Class>,
    pub list_type: Arc<Class>,
    pub dict_type: Arc<Class>,
    pub set_type: Arc<Class>,
    pub frozenset_type: Arc<Class>,
    pub range_type: Arc<Class>,
    pub slice_type: Arc<Class>,
    pub function_type: Arc<Class>,
    pub builtin_function_type: Arc<Class>,
    pub method_type: Arc<Class>,
    pub module_type: Arc<Class>,
    pub iterator_type: Arc<Class>,
    pub enumerate_type: Arc<Class>,
    pub zip_type: Arc<Class>,
    pub map_type: Arc<Class>,
    pub filter_type: Arc<Class>,
    pub staticmethod_type: Arc<Class>,
    pub classmethod_type: Arc<Class>,
    pub property_type: Arc<Class>,
    pub super_type: Arc<Class>,
    exceptions: Vec<Arc<Class>>,
}

impl BuiltinTypes {
    pub fn exception(&self, kind: ExcKind) -> &Arc<Class> {
        &self.exceptions[kind as usize]
    }

    /// Every class a program can name without importing anything.
    pub fn named(&self) -> Vec<Arc<Class>> {
        let mut all = vec![
            self.object_type.clone(),
            self.type_type.clone(),
            self.bool_type.clone(),
            self.int_type.clone(),
            self.float_type.clone(),
            self.str_type.clone(),
            self.bytes_type.clone(),
            self.tuple_type.clone(),
            self.list_type.clone(),
            self.dict_type.clone(),
            self.set_type.clone(),
            self.frozenset_type.clone(),
            self.range_type.clone(),
            self.slice_type.clone(),
            self.enumerate_type.clone(),
            self.zip_type.clone(),
            self.map_type.clone(),
            self.filter_type.clone(),
            self.staticmethod_type.clone(),
            self.classmethod_type.clone(),
            self.property_type.clone(),
            self.super_type.clone(),
        ];
        all.extend(self.exceptions.iter().cloned());
        all
    }
}

pub fn types() -> &'static BuiltinTypes {
    static TYPES: OnceLock<BuiltinTypes> = OnceLock::new();
    TYPES.get_or_init(|| {
        let types = create();
        crate::builtins::install_type_methods(&types);
        types
    })
}

/// A built-in class with the given bases.
pub fn builtin_class(name: &str, bases: &[&Arc<Class>], layout: Layout) -> Arc<Class> {
    library_class("builtins", name, bases, layout)
}

/// A class of a standard module written in Rust (`threading.Thread`, `queue.Empty`): built
/// in like `int`, but printed with its module (`<class 'queue.Empty'>`).
pub fn library_class(
    module: &str,
    name: &str,
    bases: &[&Arc<Class>],
    layout: Layout,
) -> Arc<Class> {
    let bases: Vec<Arc<Class>> = bases.iter().map(|b| (*b).clone()).collect();
    let mro = Class::linearize(&bases).expect("built-in class hierarchy is consistent");
    Arc::new(Class {
        name: PyStr::interned(name),
        qualname: PyStr::interned(name),
        module: PyStr::interned(module),
        bases,
        mro,
        dict: Dict::new(),
        layout,
        builtin: true,
        flags_cache: Default::default(),
    })
}

fn create() -> BuiltinTypes {
    use Layout::*;
    let object_type = builtin_class("object", &[], Plain);
    let value = |name: &str| builtin_class(name, &[&object_type], BuiltinValue);
    let int_type = value("int");
    let bool_type = builtin_class("bool", &[&int_type], BuiltinValue);

    let mut exceptions: Vec<Arc<Class>> = Vec::with_capacity(ExcKind::ALL.len());
    for kind in ExcKind::ALL {
        let class = match kind.parent() {
            None => builtin_class(kind.name(), &[&object_type], Exception),
            Some(parent) => builtin_class(kind.name(), &[&exceptions[parent as usize]], Exception),
        };
        exceptions.push(class);
    }

    BuiltinTypes {
        type_type: value("type"),
        none_type: value("NoneType"),
        bool_type,
        int_type,
        float_type: value("float"),
        str_type: value("str"),
        bytes_type: value("bytes"),
        tuple_type: value("tuple"),
        list_type: value("list"),
        dict_type: value("dict"),
        set_type: value("set"),
        frozenset_type: value("frozenset"),
        range_type: value("range"),
        slice_type: value("slice"),
        function_type: value("function"),
        builtin_function_type: value("builtin_function_or_method"),
        method_type: value("method"),
        module_type: value("module"),
        iterator_type: value("iterator"),
        enumerate_type: value("enumerate"),
        zip_type: value("zip"),
        map_type: value("map"),
        filter_type: value("filter"),
        staticmethod_type: builtin_class("staticmethod", &[&object_type], Plain),
        classmethod_type: builtin_class("classmethod", &[&object_type], Plain),
        property_type: builtin_class("property", &[&object_type], Plain),
        super_type: builtin_class("super", &[&object_type], Plain),
        object_type,
        exceptions,
    }
}
