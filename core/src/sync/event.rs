pub struct Event;
