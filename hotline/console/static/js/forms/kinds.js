// The compose forms, one per notice kind, following the protocol's fields (see the JSON Schema
// and the notices draft). Member names are the protocol's; labels come from the dictionaries.

import { altitudeSpec } from './fields.js';

const PRECEDENCES = ['FLASH', 'IMMEDIATE', 'PRIORITY', 'ROUTINE'];
const ENUMS = {
  Activity: ['transit', 'strike', 'isr', 'tanker', 'air_patrol', 'uav', 'live_fire', 'other'],
  Phase: ['INCERFA', 'ALERFA', 'DETRESFA'],
  Nature: ['engine', 'fire', 'fuel', 'comms_lost', 'control', 'medical', 'battle_damage', 'unknown', 'other'],
  FixSource: ['gnss', 'radar', 'voice', 'beacon', 'other'],
  Intention: ['divert', 'forced_landing', 'ditching', 'ejection_likely', 'other'],
  Assistance: ['none', 'keep_clear', 'sar', 'escort', 'airspace_hold'],
  ActionTaken: ['sar_alerted', 'sar_launched', 'escort_launched', 'airspace_cleared', 'guard_monitored', 'other'],
  CrewStatus: ['unknown', 'ejected', 'parachute_seen', 'located', 'in_contact'],
  Injuries: ['ambulatory', 'litter', 'unknown'],
  LocationSource: ['beacon_encoded', 'doppler', 'direction_finding', 'visual', 'voice', 'other'],
  Hazard: ['terrain', 'water', 'weather', 'fire', 'unexploded_ordnance', 'ground_threat', 'air_threat', 'other'],
  CancelReason: ['operation_complete', 'operation_called_off', 'emergency_resolved', 'crew_recovered', 'issued_in_error', 'other'],
  Status: ['actual', 'exercise', 'test'],
};
export { ENUMS };

const select = (key, label, name, extra = {}) => ({ type: 'select', key, label, enum: name, values: ENUMS[name], ...extra });
const multi = (key, label, name, extra = {}) => ({ type: 'multi', key, label, enum: name, values: ENUMS[name], ...extra });
const time = (key, label, extra = {}) => ({ type: 'time', key, label, ...extra });
const window_ = (key, label, extra = {}) => ({ type: 'group', key, label, columns: true, ...extra, fields: [time('start', 'field.start', { required: true }), time('end', 'field.end', { required: true })] });
const contact = () => ({
  type: 'group',
  key: 'point_of_contact',
  label: 'field.point_of_contact',
  optional: true,
  columns: true,
  fields: [
    { type: 'text', key: 'role', label: 'field.role', maxlength: 64, required: true },
    { type: 'text', key: 'phone', label: 'field.phone', maxlength: 32 },
    { type: 'number', key: 'frequency_mhz', label: 'field.frequency_mhz' },
  ],
});
const vblock = (key = 'vertical_block', lower = {}, upper = {}) => ({
  type: 'group',
  key,
  label: 'field.vertical_block',
  fields: [altitudeSpec('lower', 'field.lower', lower), altitudeSpec('upper', 'field.upper', upper)],
});

/** The status a form starts with: "exercise" on a node set up for an exercise, else "actual"
 * (an ACTUAL FLASH is confirmed before it is sent). */
export const statusDefault = (ctx) => (ctx.session?.mode === 'exercise' ? 'exercise' : 'actual');

/** The envelope: status and precedence (defaults by kind), optional expiry. */
export function envelope(kind) {
  const flash = kind === 'aircraft_in_distress' || kind === 'downed_pilot';
  return {
    type: 'group',
    label: 'field.envelope',
    columns: true,
    fields: [
      { type: 'select', key: 'precedence', label: 'field.precedence', enum: 'Precedence', values: PRECEDENCES, default: flash ? 'FLASH' : 'ROUTINE' },
      select('status', 'field.status', 'Status', { default: statusDefault }),
      time('expires', 'field.expires'),
    ],
  };
}

const nationDefault = (ctx) => ctx.session.nation || '';

export const FORMS = {
  quick_distress: {
    kind: 'aircraft_in_distress',
    title: 'compose.quick_distress',
    hint: 'compose.quick_distress_hint',
    fields: [
      { type: 'text', key: 'callsign', label: 'field.callsign', upper: true, maxlength: 16, required: true, placeholder: 'VIPER 12' },
      { type: 'group', key: 'last_position', label: null, fields: [{ type: 'position' }] },
      multi('nature', 'field.nature', 'Nature', { required: true }),
      select('status', 'field.status', 'Status', { default: statusDefault }),
    ],
    note: 'compose.quick_defaults',
    /** The form's flat values → a complete notice (the defaults the note announces). */
    toNotice(v, ctx) {
      const notice = {
        kind: 'aircraft_in_distress',
        precedence: 'FLASH',
        status: v.status || statusDefault(ctx),
        phase: 'DETRESFA',
        aircraft: { callsign: v.callsign, nationality: ctx.session.nation || 'XXX' },
        last_position: { ...v.last_position, time: Math.floor(Date.now() / 1000) * 1000, source: 'other', uncertainty_m: 1852 },
        assistance_requested: ['sar', 'keep_clear'],
      };
      if (v.nature) notice.nature = v.nature;
      if (v.callsign === undefined) delete notice.aircraft.callsign;
      return notice;
    },
    /** Node error paths of the notice → paths of this form. */
    mapPath(path) {
      if (path.startsWith('aircraft.callsign')) return 'callsign';
      if (path === 'last_position' || path.startsWith('last_position.lat') || path.startsWith('last_position.lon')) return path;
      if (path.startsWith('last_position')) return 'last_position';
      return path;
    },
  },

  aircraft_in_distress: {
    kind: 'aircraft_in_distress',
    title: 'compose.aircraft_in_distress',
    fields: [
      select('phase', 'field.phase', 'Phase', { default: 'DETRESFA' }),
      multi('nature', 'field.nature', 'Nature', { required: true }),
      {
        type: 'group',
        key: 'aircraft',
        label: 'field.aircraft',
        columns: true,
        fields: [
          { type: 'text', key: 'callsign', label: 'field.callsign', upper: true, maxlength: 16, required: true },
          { type: 'text', key: 'type', label: 'field.type', upper: true, maxlength: 4 },
          { type: 'text', key: 'nationality', label: 'field.nationality', upper: true, maxlength: 3, required: true, default: nationDefault },
          { type: 'text', key: 'transponder_code', label: 'field.transponder_code', maxlength: 4 },
          { type: 'text', key: 'icao_address', label: 'field.icao_address', upper: true, maxlength: 6 },
        ],
      },
      {
        type: 'group',
        key: 'last_position',
        label: 'field.last_position',
        fields: [
          { type: 'position' },
          {
            type: 'group',
            columns: true,
            fields: [
              time('time', 'field.fix_time', { required: true, default: 'now' }),
              select('source', 'field.source', 'FixSource', { default: 'radar' }),
              { type: 'number', key: 'uncertainty_m', label: 'field.uncertainty_m', integer: true, required: true, default: 1000 },
              { type: 'number', key: 'heading_deg', label: 'field.heading_deg', integer: true },
              { type: 'number', key: 'ground_speed_kt', label: 'field.ground_speed_kt', integer: true },
            ],
          },
          altitudeSpec('altitude', 'field.altitude', { optional: true, unit: 'FL', reference: 'STD' }),
        ],
      },
      {
        type: 'group',
        columns: true,
        fields: [
          { type: 'number', key: 'persons_on_board', label: 'field.persons_on_board', integer: true },
          { type: 'number', key: 'endurance_minutes', label: 'field.endurance_minutes', integer: true },
        ],
      },
      multi('intentions', 'field.intentions', 'Intention'),
      multi('assistance_requested', 'field.assistance_requested', 'Assistance', { required: true, default: ['sar', 'keep_clear'] }),
      {
        type: 'group',
        key: 'last_contact',
        label: 'field.last_contact',
        optional: true,
        columns: true,
        fields: [
          { type: 'text', key: 'unit', label: 'field.unit', maxlength: 128, required: true },
          { type: 'number', key: 'frequency_mhz', label: 'field.frequency_mhz' },
          time('time', 'field.contact_time', { required: true }),
        ],
      },
      multi('actions_taken', 'field.actions_taken', 'ActionTaken'),
    ],
  },

  planned_operation: {
    kind: 'planned_operation',
    title: 'compose.planned_operation',
    fields: [
      {
        type: 'group',
        columns: true,
        fields: [
          { type: 'text', key: 'operation_ref', label: 'field.operation_ref', maxlength: 64, required: true },
          select('activity', 'field.activity', 'Activity', { default: 'transit' }),
        ],
      },
      { type: 'list', key: 'areas', label: 'field.areas', itemLabel: 'field.area', min: 1, max: 8, item: { fields: [{ type: 'area', key: null }] } },
      vblock('vertical_block', { unit: 'ft', reference: 'AMSL', required: true }, { unit: 'FL', reference: 'STD', required: true }),
      window_('window', 'field.window'),
      {
        type: 'group',
        columns: true,
        fields: [
          { type: 'text', key: 'callsigns', label: 'field.callsigns', upper: true, list: 'text' },
          { type: 'number', key: 'aircraft_count', label: 'field.aircraft_count', integer: true },
          { type: 'text', key: 'aircraft_type', label: 'field.aircraft_type', upper: true, maxlength: 4 },
          { type: 'number', key: 'air_to_air_frequency_mhz', label: 'field.air_to_air_frequency_mhz' },
        ],
      },
      contact(),
      { type: 'text', key: 'remarks', label: 'field.remarks', textarea: true, maxlength: 500, rows: 3 },
    ],
  },

  downed_pilot: {
    kind: 'downed_pilot',
    title: 'compose.downed_pilot',
    fields: [
      {
        type: 'group',
        columns: true,
        fields: [
          { type: 'text', key: 'aircraft_callsign', label: 'field.aircraft_callsign', upper: true, maxlength: 16, required: true },
          { type: 'number', key: 'crew_count', label: 'field.crew_count', integer: true, required: true, default: 1 },
          { type: 'select', key: 'distress_ref', label: 'field.distress_ref', optional: true, values: [], refs: 'own_distress' },
        ],
      },
      {
        type: 'list',
        key: 'crew',
        label: 'field.crew',
        itemLabel: 'field.crew_member',
        min: 1,
        max: 20,
        item: {
          columns: true,
          fields: [
            { type: 'number', key: 'number', label: 'field.number', integer: true, default: 1 },
            select('status', 'field.crew_status', 'CrewStatus', { default: 'unknown' }),
            select('injuries', 'field.injuries', 'Injuries', { default: 'unknown' }),
          ],
        },
      },
      {
        type: 'list',
        key: 'positions',
        label: 'field.positions',
        itemLabel: 'field.survivor_position',
        min: 1,
        max: 32,
        item: {
          fields: [
            { type: 'position' },
            {
              type: 'group',
              columns: true,
              fields: [
                time('time', 'field.fix_time', { required: true, default: 'now' }),
                select('source', 'field.source', 'LocationSource', { default: 'beacon_encoded' }),
                { type: 'number', key: 'uncertainty_m', label: 'field.uncertainty_m', integer: true, required: true, default: 500 },
              ],
            },
          ],
        },
      },
      {
        type: 'group',
        columns: true,
        fields: [
          { type: 'text', key: 'beacon_id', label: 'field.beacon_id', upper: true, maxlength: 23 },
          { type: 'text', key: 'survival_frequencies_mhz', label: 'field.survival_frequencies_mhz', list: 'number' },
          { type: 'text', key: 'authentication_ref', label: 'field.authentication_ref', maxlength: 32 },
        ],
      },
      { type: 'list', key: 'listening_windows', label: 'field.listening_windows', itemLabel: 'field.listening_window', max: 24, item: { columns: true, fields: [time('start', 'field.start'), time('end', 'field.end')] } },
      multi('hazards', 'field.hazards', 'Hazard'),
      {
        type: 'group',
        key: 'requested_measures',
        label: 'field.requested_measures',
        omitEmpty: true,
        fields: [
          {
            type: 'group',
            key: 'sar_corridor',
            label: 'field.sar_corridor',
            optional: true,
            fields: [{ type: 'area', key: 'area', shape: 'corridor' }, vblock('vertical_block', { unit: 'ft', reference: 'SFC', value: 0 }, { unit: 'ft', reference: 'AMSL', value: 10000 }), window_('window', 'field.window')],
          },
          {
            type: 'group',
            key: 'hold_fire',
            label: 'field.hold_fire',
            optional: true,
            fields: [
              { type: 'group', key: 'centre', label: 'field.centre', fields: [{ type: 'position' }] },
              { type: 'distance', key: 'radius', label: 'field.radius', value: 10 },
              window_('window', 'field.window', { optional: true }),
            ],
          },
        ],
      },
      contact(),
    ],
  },

  liaison: {
    kind: 'liaison',
    title: 'compose.liaison',
    fields: [
      { type: 'text', key: 'text', label: 'field.text', textarea: true, maxlength: 4000, rows: 6, required: true },
      { type: 'text', key: 'language', label: 'field.language', maxlength: 35, required: true, default: (ctx) => ctx.lang() },
    ],
  },
};

/** Which form edits a notice of this kind (for updates). */
export function formOfKind(kind) {
  return Object.keys(FORMS).find((name) => name !== 'quick_distress' && FORMS[name].kind === kind);
}
