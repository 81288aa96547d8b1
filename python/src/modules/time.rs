//! `time`: sleeping and clocks, on the run's scheduler (virtual time in deterministic mode).
//!
//! Every clock reads the scheduler's clock (`Runtime::now`): real elapsed time in the parallel
//! and GIL modes, virtual time under the deterministic scheduler, where `time.sleep(10)`
//! returns at once and moves every clock on by ten seconds. `time.time()` is the wall clock at
//! the run's start plus that elapsed time, so it is virtual there too.
//!
//! There is no time-zone database (the browser build has no files to read one from):
//! `localtime` is UTC, like `gmtime`, and `%Z` prints `UTC`.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::builtins::args::positional;
use crate::modules::native::{
    add_function, add_method, native, native_class, new_native, split_receiver,
};
use crate::objects::types::ExcKind;
use crate::objects::{Args, Class, Dict, Int, Value};
use crate::vm::{PyErr, PyResult, Vm};

/// The wall clock when the run's clock read zero, in nanoseconds since the Unix epoch: kept
/// in the module as `_clock`, because modules are built once per run.
struct RunClock {
    epoch_at_start: i128,
}

const FIELDS: [&str; 9] = [
    "tm_year", "tm_mon", "tm_mday", "tm_hour", "tm_min", "tm_sec", "tm_wday", "tm_yday", "tm_isdst",
];

/// A `time.struct_time`: the nine fields, readable by index and by name.
struct StructTime([i64; 9]);

pub(super) fn build(vm: &mut Vm, module: &Dict) -> PyResult<()> {
    let elapsed = i128::from(vm.interp.runtime.now().as_nanos());
    module.set_by_name(
        "_clock",
        new_native(
            clock_class(),
            RunClock {
                epoch_at_start: wall_clock_nanos() - elapsed,
            },
        ),
    );
    module.set_by_name("struct_time", Value::Class(struct_time_class().clone()));
    add_function(module, "sleep", sleep);
    add_function(module, "time", time);
    add_function(module, "time_ns", time_ns);
    add_function(module, "perf_counter", perf_counter);
    add_function(module, "perf_counter_ns", perf_counter_ns);
    add_function(module, "monotonic", perf_counter);
    add_function(module, "monotonic_ns", perf_counter_ns);
    add_function(module, "process_time", perf_counter);
    add_function(module, "process_time_ns", perf_counter_ns);
    add_function(module, "thread_time", perf_counter);
    add_function(module, "thread_time_ns", perf_counter_ns);
    add_function(module, "gmtime", gmtime);
    add_function(module, "localtime", localtime);
    add_function(module, "mktime", mktime);
    add_function(module, "ctime", ctime);
    add_function(module, "asctime", asctime);
    add_function(module, "strftime", strftime);
    module.set_by_name("timezone", Value::Int(0));
    module.set_by_name("altzone", Value::Int(0));
    module.set_by_name("daylight", Value::Int(0));
    module.set_by_name(
        "tzname",
        Value::tuple(vec![Value::str("UTC"), Value::str("UTC")]),
    );
    Ok(())
}

fn clock_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| native_class("time", "_RunClock", &[]))
}

fn struct_time_class() -> &'static Arc<Class> {
    static CLASS: OnceLock<Arc<Class>> = OnceLock::new();
    CLASS.get_or_init(|| {
        let class = native_class("time", "struct_time", &[]);
        add_method(&class, "__getitem__", struct_time_getitem);
        add_method(&class, "__len__", struct_time_len);
        add_method(&class, "__iter__", struct_time_iter);
        add_method(&class, "__eq__", struct_time_eq);
        add_method(&class, "__repr__", struct_time_repr);
        class
    })
}

/// Nanoseconds since the Unix epoch. `web_time` because std's clock panics in the browser.
fn wall_clock_nanos() -> i128 {
    match web_time::SystemTime::now().duration_since(web_time::UNIX_EPOCH) {
        Ok(since) => since.as_nanos() as i128,
        Err(before) => -(before.duration().as_nanos() as i128),
    }
}

/// The run's clock, in nanoseconds since the run started.
fn run_nanos(vm: &Vm) -> u64 {
    vm.interp.runtime.now().as_nanos()
}

/// Nanoseconds since the Unix epoch on the run's clock.
fn epoch_nanos(vm: &Vm) -> i128 {
    let module = crate::objects::read(&vm.interp.modules)
        .get("time")
        .cloned();
    let start = match module {
        Some(Value::Module(module)) => module
            .dict
            .get_by_name("_clock")
            .and_then(|clock| native::<RunClock>(&clock))
            .map(|clock| clock.epoch_at_start),
        _ => None,
    };
    let elapsed = i128::from(run_nanos(vm));
    start.unwrap_or_else(|| wall_clock_nanos() - elapsed) + elapsed
}

/// `time.sleep(secs)`: blocks on the run's scheduler, so other threads run meanwhile.
fn sleep(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "sleep", 1, 1)?;
    let seconds = match &args[0] {
        Value::Float(f) => *f,
        other => match Int::of(other) {
            Some(i) => i.to_f64().unwrap_or(f64::INFINITY),
            None => {
                return Err(PyErr::type_error(format!(
                    "'{}' object cannot be interpreted as an integer",
                    other.type_name()
                )))
            }
        },
    };
    if seconds.is_nan() {
        return Err(PyErr::value_error("Invalid value NaN (not a number)"));
    }
    if seconds < 0.0 {
        return Err(PyErr::value_error("sleep length must be non-negative"));
    }
    if seconds > 9.2e9 {
        return Err(PyErr::new(
            ExcKind::OverflowError,
            "timestamp too large to convert to C _PyTime_t",
        ));
    }
    vm.interp
        .runtime
        .sleep(Duration::from_secs_f64(seconds))
        .map_err(PyErr::from)?;
    Ok(Value::None)
}

fn time(vm: &mut Vm, args: Args) -> PyResult<Value> {
    positional(args, "time", 0, 0)?;
    Ok(Value::Float(epoch_nanos(vm) as f64 / 1e9))
}

fn time_ns(vm: &mut Vm, args: Args) -> PyResult<Value> {
    positional(args, "time_ns", 0, 0)?;
    Ok(Value::Int(epoch_nanos(vm) as i64))
}

/// `perf_counter`, `monotonic`, and the approximate `process_time`: seconds on the run's clock.
fn perf_counter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    positional(args, "perf_counter", 0, 0)?;
    Ok(Value::Float(run_nanos(vm) as f64 / 1e9))
}

fn perf_counter_ns(vm: &mut Vm, args: Args) -> PyResult<Value> {
    positional(args, "perf_counter_ns", 0, 0)?;
    Ok(Value::Int(run_nanos(vm) as i64))
}

// ----- calendar -----

/// `(year, month, day)` of a day counted from 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Days from 1970-01-01 to `year-month-day`; months outside 1..=12 roll into other years.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = year + (month - 1).div_euclid(12);
    let month = (month - 1).rem_euclid(12) + 1;
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The struct_time fields of `seconds` since the epoch, in UTC.
fn fields_of(seconds: i64) -> [i64; 9] {
    let days = seconds.div_euclid(86_400);
    let rest = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let wday = (days + 3).rem_euclid(7);
    let yday = days - days_from_civil(year, 1, 1) + 1;
    [
        year,
        month,
        day,
        rest / 3600,
        rest / 60 % 60,
        rest % 60,
        wday,
        yday,
        0,
    ]
}

fn make_struct_time(fields: [i64; 9]) -> Value {
    let value = new_native(struct_time_class(), StructTime(fields));
    if let Value::Object(object) = &value {
        for (name, field) in FIELDS.iter().zip(fields) {
            object.dict.set_by_name(name, Value::Int(field));
        }
        object.dict.set_by_name("tm_zone", Value::str("UTC"));
        object.dict.set_by_name("tm_gmtoff", Value::Int(0));
    }
    value
}

/// The optional `secs` argument of `gmtime`, `localtime`, `ctime`: now when absent or None.
fn seconds_arg(vm: &mut Vm, args: Args, function: &str) -> PyResult<i64> {
    let args = positional(args, function, 0, 1)?;
    match args.first() {
        None | Some(Value::None) => Ok(epoch_nanos(vm).div_euclid(1_000_000_000) as i64),
        Some(Value::Float(f)) if f.is_nan() => {
            Err(PyErr::value_error("Invalid value NaN (not a number)"))
        }
        Some(Value::Float(f)) if f.abs() < 1e15 => Ok(f.floor() as i64),
        Some(Value::Float(_)) => Err(PyErr::new(
            ExcKind::OverflowError,
            "timestamp out of range for platform time_t",
        )),
        Some(other) => match Int::of(other) {
            Some(Int::Small(i)) if i.abs() < 1_000_000_000_000_000 => Ok(i),
            Some(_) => Err(PyErr::new(
                ExcKind::OverflowError,
                "timestamp out of range for platform time_t",
            )),
            None => Err(PyErr::type_error(format!(
                "'{}' object cannot be interpreted as an integer",
                other.type_name()
            ))),
        },
    }
}

fn gmtime(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let seconds = seconds_arg(vm, args, "gmtime")?;
    Ok(make_struct_time(fields_of(seconds)))
}

/// Local time is UTC in threadlab: there is no time-zone database to consult.
fn localtime(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let seconds = seconds_arg(vm, args, "localtime")?;
    Ok(make_struct_time(fields_of(seconds)))
}

/// The nine fields of a struct_time or a 9-tuple; the current time when absent.
fn fields_arg(vm: &mut Vm, value: Option<&Value>) -> PyResult<[i64; 9]> {
    let value = match value {
        None => return Ok(fields_of(epoch_nanos(vm).div_euclid(1_000_000_000) as i64)),
        Some(value) => value,
    };
    if let Some(state) = native::<StructTime>(value) {
        return Ok(state.0);
    }
    let items = match value {
        Value::Tuple(tuple) => tuple.items().to_vec(),
        _ => return Err(PyErr::type_error("Tuple or struct_time argument required")),
    };
    if items.len() != 9 {
        return Err(PyErr::type_error(format!(
            "time.struct_time() takes a 9-sequence ({}-sequence given)",
            items.len()
        )));
    }
    let mut fields = [0i64; 9];
    for (field, item) in fields.iter_mut().zip(&items) {
        *field = crate::builtins::args::int_arg(item)?;
    }
    Ok(fields)
}

fn mktime(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "mktime", 1, 1)?;
    let f = fields_arg(vm, args.first())?;
    let days = days_from_civil(f[0], f[1], f[2]);
    Ok(Value::Float(
        (days * 86_400 + f[3] * 3600 + f[4] * 60 + f[5]) as f64,
    ))
}

fn ctime(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let seconds = seconds_arg(vm, args, "ctime")?;
    Ok(Value::str(format_time(
        "%a %b %e %H:%M:%S %Y",
        &fields_of(seconds),
    )))
}

fn asctime(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "asctime", 0, 1)?;
    let fields = fields_arg(vm, args.first())?;
    Ok(Value::str(format_time("%a %b %e %H:%M:%S %Y", &fields)))
}

/// `strftime(format[, t])`
fn strftime(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = positional(args, "strftime", 1, 2)?;
    let format = crate::builtins::args::str_arg(&args[0], "strftime", 1)?.to_owned();
    let fields = fields_arg(vm, args.get(1))?;
    if !(1..=12).contains(&fields[1]) {
        return Err(PyErr::value_error("month out of range"));
    }
    Ok(Value::str(format_time(&format, &fields)))
}

const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The C locale's `strftime` for the common directives; unknown ones are copied, as glibc does.
fn format_time(format: &str, f: &[i64; 9]) -> String {
    let day = DAYS[f[6].rem_euclid(7) as usize];
    let month = MONTHS[(f[1] - 1).rem_euclid(12) as usize];
    let hour12 = match f[3] % 12 {
        0 => 12,
        h => h,
    };
    let mut out = String::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(directive) = chars.next() else {
            out.push('%');
            break;
        };
        let piece = match directive {
            'Y' => f[0].to_string(),
            'y' => format!("{:02}", f[0].rem_euclid(100)),
            'm' => format!("{:02}", f[1]),
            'd' => format!("{:02}", f[2]),
            'e' => format!("{:>2}", f[2]),
            'H' => format!("{:02}", f[3]),
            'I' => format!("{hour12:02}"),
            'M' => format!("{:02}", f[4]),
            'S' => format!("{:02}", f[5]),
            'p' => (if f[3] < 12 { "AM" } else { "PM" }).to_owned(),
            'a' => day[..3].to_owned(),
            'A' => day.to_owned(),
            'b' | 'h' => month[..3].to_owned(),
            'B' => month.to_owned(),
            'j' => format!("{:03}", f[7]),
            'w' => ((f[6] + 1) % 7).to_string(),
            'u' => (f[6] + 1).to_string(),
            'Z' => "UTC".to_owned(),
            'z' => "+0000".to_owned(),
            'c' => format_time("%a %b %e %H:%M:%S %Y", f),
            'x' => format_time("%m/%d/%y", f),
            'X' | 'T' => format_time("%H:%M:%S", f),
            'D' => format_time("%m/%d/%y", f),
            'F' => format_time("%Y-%m-%d", f),
            'R' => format_time("%H:%M", f),
            'n' => "\n".to_owned(),
            't' => "\t".to_owned(),
            '%' => "%".to_owned(),
            other => format!("%{other}"),
        };
        out.push_str(&piece);
    }
    out
}

// ----- struct_time -----

fn struct_fields(value: &Value) -> PyResult<[i64; 9]> {
    native::<StructTime>(value)
        .map(|s| s.0)
        .ok_or_else(|| PyErr::type_error("descriptor requires a 'time.struct_time' object"))
}

fn struct_tuple(fields: [i64; 9]) -> Value {
    Value::tuple(fields.iter().map(|f| Value::Int(*f)).collect())
}

fn struct_time_getitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let key = positional(args, "__getitem__", 1, 1)?;
    let tuple = struct_tuple(struct_fields(&this)?);
    vm.get_item(&tuple, &key[0])
}

fn struct_time_len(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    struct_fields(&this)?;
    Ok(Value::Int(9))
}

fn struct_time_iter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    let tuple = struct_tuple(struct_fields(&this)?);
    vm.get_iter(&tuple)
}

fn struct_time_eq(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, args) = split_receiver(args);
    let other = positional(args, "__eq__", 1, 1)?;
    let mine = struct_tuple(struct_fields(&this)?);
    let theirs = match native::<StructTime>(&other[0]) {
        Some(state) => struct_tuple(state.0),
        None => other[0].clone(),
    };
    Ok(Value::Bool(vm.eq(&mine, &theirs)?))
}

/// `time.struct_time(tm_year=2024, tm_mon=1, …, tm_isdst=0)`
fn struct_time_repr(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (this, _) = split_receiver(args);
    let fields = struct_fields(&this)?;
    let parts: Vec<String> = FIELDS
        .iter()
        .zip(fields)
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    Ok(Value::str(format!(
        "time.struct_time({})",
        parts.join(", ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{run, CapturedOutput, Outcome, Program, RunOptions};

    #[test]
    fn calendar_round_trips() {
        for days in [-800_000, -1, 0, 1, 59, 365, 11_016, 19_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(fields_of(951_782_400), [2000, 2, 29, 0, 0, 0, 1, 60, 0]);
    }

    #[test]
    fn strftime_directives() {
        let f = fields_of(1_700_000_000); // 2023-11-14 22:13:20 UTC, a Tuesday
        assert_eq!(
            format_time("%Y-%m-%d %H:%M:%S %a %b %p %I %j %%", &f),
            "2023-11-14 22:13:20 Tue Nov PM 10 318 %"
        );
        assert_eq!(format_time("%c", &fields_of(0)), "Thu Jan  1 00:00:00 1970");
    }

    /// Under the deterministic scheduler a long sleep is virtual: the run ends at once, and
    /// the clocks move on by exactly the time slept.
    #[test]
    fn sleep_is_virtual_in_deterministic_mode() {
        let source = "import time\n\
                      t0 = time.monotonic()\n\
                      w0 = time.time()\n\
                      time.sleep(5)\n\
                      print(round(time.monotonic() - t0, 3), round(time.time() - w0, 3))\n";
        let output = CapturedOutput::new();
        let report = run(
            Program::new("sleep.py", source),
            RunOptions {
                mode: threadlab_core::Mode::det(1),
                ..RunOptions::default()
            },
            output.clone(),
        );
        assert_eq!(report.outcome, Outcome::Completed, "{}", output.stderr());
        assert_eq!(output.stdout(), "5.0 5.0\n");
    }
}
