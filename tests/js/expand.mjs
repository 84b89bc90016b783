// Expand an iCalendar object with Mozilla's ical.js, the parser behind Thunderbird's and
// Nextcloud's calendars, for tests/alignment/meetings/test_invite_readers.py.
//
// stdin:  {"ics": "BEGIN:VCALENDAR…", "after": "2026-03-02T08:00:00Z", "before": "…Z"}
// stdout: {"<UID>": ["2026-03-10T08:00:00Z", …], …}: the UTC starts of each series'
//         meetings with after <= start < before; an override with STATUS:CANCELLED (a
//         cancelled meeting, as a client stores a CANCEL) removes its meeting.
//
// TZIDs are read with the calendar's own VTIMEZONEs, as those clients do; a TZID without
// one is an error here, where ical.js would silently take the time as floating.
import { readFileSync } from "node:fs";

import ICAL from "ical.js";

const MAX_STEPS = 5000;
const input = JSON.parse(readFileSync(0, "utf8"));
const after = Date.parse(input.after) / 1000;
const before = Date.parse(input.before) / 1000;
const calendar = new ICAL.Component(ICAL.parse(input.ics));
const vevents = calendar.getAllSubcomponents("vevent");

for (const vevent of vevents) {
  for (const name of ["dtstart", "dtend", "recurrence-id", "exdate"]) {
    for (const prop of vevent.getAllProperties(name)) {
      const tzid = prop.getParameter("tzid");
      if (tzid && !calendar.getTimeZoneByID(tzid)) {
        throw new Error(`${name.toUpperCase()} uses TZID ${tzid}, which has no VTIMEZONE`);
      }
    }
  }
}

const result = {};
for (const master of vevents.filter((v) => !v.hasProperty("recurrence-id"))) {
  const event = new ICAL.Event(master);
  const uid = event.uid;
  for (const vevent of vevents) {
    if (vevent.hasProperty("recurrence-id") && vevent.getFirstPropertyValue("uid") === uid) {
      event.relateException(vevent);
    }
  }
  const starts = [];
  const iterator = event.iterator();
  for (let step = 0, next; step < MAX_STEPS && (next = iterator.next()); step++) {
    if (next.toUnixTime() >= before + 366 * 86400) break; // a moved meeting stays near
    const details = event.getOccurrenceDetails(next);
    const start = details.startDate.toUnixTime();
    const status = details.item.component.getFirstPropertyValue("status");
    if (status !== "CANCELLED" && start >= after && start < before) {
      starts.push(new Date(start * 1000).toISOString().replace(".000Z", "Z"));
    }
  }
  result[uid] = starts.sort();
}
process.stdout.write(JSON.stringify(result));
