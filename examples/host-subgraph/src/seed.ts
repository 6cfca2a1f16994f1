import type {
  BillToParty,
  CustomerRecord,
  InvoiceLine,
  InvoiceLineKind,
  InvoiceRecord,
  InvoiceStatus,
} from './model.js';

/**
 * Deterministic demo data: three field-service tenants with invoices in every status. Ids, numbers,
 * dates and amounts never change between runs, so tests and demos can rely on them.
 */

export const TENANT_IDS = {
  acme: 'cust-acme-us',
  nordlys: 'cust-nordlys-no',
  thames: 'cust-thames-gb',
} as const;

type LineSpec = [
  kind: InvoiceLineKind,
  description: string,
  serviceCode: string | null,
  quantity: string,
  unitPrice: string,
  taxRate: string,
];

interface InvoiceSpec {
  sequence: number;
  status: InvoiceStatus;
  issueDate: string;
  dueDate: string | null;
  billTo: BillToParty | null;
  lines: LineSpec[];
  memo?: string;
  /** When the draft was created; finalizing and voiding follow at fixed offsets */
  createdAt: string;
  finalizedAt?: string;
  voidedAt?: string;
  voidReason?: string;
  pricesIncludeTax?: boolean;
}

function invoice(customer: CustomerRecord, spec: InvoiceSpec): InvoiceRecord {
  const id = `inv-${customer.slug}-${spec.sequence}`;
  const lines: InvoiceLine[] = spec.lines.map(
    ([itemKind, description, serviceCode, quantity, unitPrice, taxRate], i) => ({
      id: `${id}-L${i + 1}`,
      description,
      itemKind,
      serviceCode,
      quantity,
      unitPrice,
      taxRate,
    }),
  );
  const version = 1 + (spec.finalizedAt ? 1 : 0) + (spec.voidedAt ? 1 : 0);
  return {
    id,
    customerId: customer.id,
    number: `${customer.numberPrefix}-${spec.sequence}`,
    status: spec.status,
    currency: customer.currency,
    issueDate: spec.issueDate,
    dueDate: spec.dueDate,
    billTo: spec.billTo,
    lines,
    pricesIncludeTax: spec.pricesIncludeTax ?? false,
    memo: spec.memo ?? null,
    version,
    createdAt: spec.createdAt,
    updatedAt: spec.voidedAt ?? spec.finalizedAt ?? spec.createdAt,
    finalizedAt: spec.finalizedAt ?? null,
    voidedAt: spec.voidedAt ?? null,
    voidReason: spec.voidReason ?? null,
    nextLineNumber: lines.length + 1,
  };
}

function party(
  name: string,
  email: string | null,
  phone: string | null,
  address: [
    line1: string,
    line2: string | null,
    city: string,
    region: string | null,
    postalCode: string,
    country: string,
  ],
): BillToParty {
  const [line1, line2, city, region, postalCode, country] = address;
  return { name, email, phone, address: { line1, line2, city, region, postalCode, country } };
}

function acme(): { customer: CustomerRecord; invoices: InvoiceRecord[] } {
  const customer: CustomerRecord = {
    id: TENANT_IDS.acme,
    name: 'Acme Plumbing & HVAC LLC',
    country: 'US',
    currency: 'USD',
    defaultTaxRate: '8.25',
    slug: 'acme',
    numberPrefix: 'INV',
    nextSequence: 1008,
  };
  // Austin, TX: 8.25% sales tax on materials; residential repair labour and call-out fees untaxed,
  // commercial work taxed in full.
  const specs: InvoiceSpec[] = [
    {
      sequence: 1001,
      status: 'FINALIZED',
      issueDate: '2026-10-05',
      dueDate: '2026-11-04',
      billTo: party('Maria Gonzalez', 'maria.gonzalez@example.com', '+1 512-555-0148', [
        '4817 Shoal Creek Blvd',
        null,
        'Austin',
        'TX',
        '78756',
        'US',
      ]),
      lines: [
        ['FEE', 'Service call-out fee', 'FEE-CALLOUT', '1', '89.00', '0'],
        ['LABOR', 'Licensed plumber labor (hours)', 'LAB-PLUMB', '2.5', '125.00', '0'],
        ['MATERIAL', 'Rheem 50 gal natural gas water heater', 'MAT-WH50G', '1', '1249.99', '8.25'],
        ['MATERIAL', 'Gas flex connector, fittings and expansion tank', 'MAT-FITKIT', '1', '64.37', '8.25'],
      ],
      memo: 'Water heater replacement. Old unit hauled away.',
      createdAt: '2026-10-05T15:02:11.000Z',
      finalizedAt: '2026-10-05T19:44:30.000Z',
    },
    {
      sequence: 1002,
      status: 'FINALIZED',
      issueDate: '2026-10-09',
      dueDate: '2026-11-08',
      billTo: party('Riverside Dental Group PLLC', 'accounts@riversidedental.example', '+1 512-555-0190', [
        '2100 E Riverside Dr',
        'Suite 120',
        'Austin',
        'TX',
        '78741',
        'US',
      ]),
      lines: [
        ['SERVICE', 'Quarterly rooftop AC maintenance (per unit)', 'SVC-RTU-PM', '2', '185.00', '8.25'],
        ['MATERIAL', 'MERV-13 pleated air filter 20x25x2', 'MAT-FLT-2025', '8', '14.75', '8.25'],
        ['MATERIAL', 'R-410A refrigerant (lb)', 'MAT-R410A', '3.5', '42.50', '8.25'],
      ],
      createdAt: '2026-10-09T13:20:00.000Z',
      finalizedAt: '2026-10-09T21:05:42.000Z',
    },
    {
      sequence: 1003,
      status: 'VOID',
      issueDate: '2026-10-09',
      dueDate: '2026-11-08',
      billTo: party('Riverside Dental Group PLLC', 'accounts@riversidedental.example', '+1 512-555-0190', [
        '2100 E Riverside Dr',
        'Suite 120',
        'Austin',
        'TX',
        '78741',
        'US',
      ]),
      lines: [
        ['SERVICE', 'Quarterly rooftop AC maintenance (per unit)', 'SVC-RTU-PM', '2', '185.00', '8.25'],
      ],
      createdAt: '2026-10-09T21:07:15.000Z',
      finalizedAt: '2026-10-09T21:08:03.000Z',
      voidedAt: '2026-10-10T14:31:27.000Z',
      voidReason: 'Duplicate of INV-1002',
    },
    {
      sequence: 1004,
      status: 'DRAFT',
      issueDate: '2026-11-18',
      dueDate: '2026-12-18',
      billTo: party('Greenway Property Management', 'maintenance@greenwaypm.example', '+1 512-555-0177', [
        '901 W 38th St',
        'Unit 4B',
        'Austin',
        'TX',
        '78705',
        'US',
      ]),
      lines: [
        ['FEE', 'Service call-out fee', 'FEE-CALLOUT', '1', '89.00', '0'],
        ['SERVICE', 'Main line drain cleaning with camera inspection', 'SVC-DRAIN-CAM', '1', '349.00', '0'],
      ],
      createdAt: '2026-11-18T16:40:09.000Z',
    },
    {
      sequence: 1005,
      status: 'DRAFT',
      issueDate: '2026-11-20',
      dueDate: null,
      billTo: party('Hector & Lupe Ramirez', null, '+1 512-555-0123', [
        '7302 Bluff Springs Rd',
        null,
        'Austin',
        'TX',
        '78744',
        'US',
      ]),
      lines: [],
      memo: 'Booked online: AC not cooling. No work recorded yet.',
      createdAt: '2026-11-20T12:15:00.000Z',
    },
    {
      sequence: 1006,
      status: 'FINALIZED',
      issueDate: '2026-11-03',
      dueDate: '2026-12-03',
      billTo: party('Oak Hill Montessori School', 'office@oakhillmontessori.example', '+1 512-555-0111', [
        '6502 US-290',
        null,
        'Austin',
        'TX',
        '78735',
        'US',
      ]),
      lines: [
        ['LABOR', 'HVAC technician labor (hours)', 'LAB-HVAC', '1.5', '129.99', '8.25'],
        ['MATERIAL', 'Hot surface igniter', 'MAT-IGN-HSI', '1', '38.5', '8.25'],
      ],
      memo: 'Furnace no-heat call. Replaced igniter, tested all zones.',
      createdAt: '2026-11-03T14:00:00.000Z',
      finalizedAt: '2026-11-03T18:22:51.000Z',
    },
    {
      sequence: 1007,
      status: 'DRAFT',
      issueDate: '2026-11-21',
      dueDate: null,
      billTo: null,
      lines: [
        ['LABOR', 'Licensed plumber labor (hours)', 'LAB-PLUMB', '1', '125.00', '0'],
        ['MATERIAL', 'PEX-A pipe 1/2 in (ft)', 'MAT-PEX12', '25', '1.18', '8.25'],
      ],
      memo: 'Technician job sheet; office to attach the client.',
      createdAt: '2026-11-21T22:03:40.000Z',
    },
  ];
  return { customer, invoices: specs.map((spec) => invoice(customer, spec)) };
}

function nordlys(): { customer: CustomerRecord; invoices: InvoiceRecord[] } {
  const customer: CustomerRecord = {
    id: TENANT_IDS.nordlys,
    name: 'Nordlys Elektro AS',
    country: 'NO',
    currency: 'NOK',
    defaultTaxRate: '25',
    slug: 'nordlys',
    numberPrefix: 'NE',
    nextSequence: 2007,
  };
  // Bergen: 25% MVA on everything.
  const specs: InvoiceSpec[] = [
    {
      sequence: 2001,
      status: 'FINALIZED',
      issueDate: '2026-10-12',
      dueDate: '2026-10-26',
      billTo: party('Bergen Boligbyggelag', 'faktura@bergenbbl.example', '+47 55 12 34 56', [
        'Kalfarveien 31',
        null,
        'Bergen',
        'Vestland',
        '5018',
        'NO',
      ]),
      lines: [
        ['FEE', 'Utrykning (oppmøte)', 'UTR', '1', '950.00', '25'],
        ['LABOR', 'Elektrikerarbeid (timer)', 'ARB-EL', '3', '895.00', '25'],
        ['MATERIAL', 'Jordfeilbryter 2P 40A 30mA', 'MAT-JFB40', '2', '689.50', '25'],
      ],
      memo: 'Bytte av jordfeilbrytere i oppgang B.',
      createdAt: '2026-10-12T07:45:00.000Z',
      finalizedAt: '2026-10-12T13:10:18.000Z',
    },
    {
      sequence: 2002,
      status: 'FINALIZED',
      issueDate: '2026-10-20',
      dueDate: '2026-11-03',
      billTo: party('Kari Nordmann', 'kari.nordmann@example.no', '+47 912 34 567', [
        'Ole Irgens vei 14',
        null,
        'Bergen',
        'Vestland',
        '5097',
        'NO',
      ]),
      lines: [
        ['SERVICE', 'Installasjon av elbillader (fastpris)', 'SVC-ELBIL', '1', '7990.00', '25'],
        ['MATERIAL', 'Easee One elbillader', 'MAT-EASEE', '1', '8490.00', '25'],
        ['MATERIAL', 'Kabel PFSP 3G6 (meter)', 'MAT-PFSP3G6', '18.5', '42.90', '25'],
      ],
      createdAt: '2026-10-20T08:30:00.000Z',
      finalizedAt: '2026-10-20T15:47:05.000Z',
    },
    {
      sequence: 2003,
      status: 'FINALIZED',
      issueDate: '2026-11-02',
      dueDate: '2026-11-16',
      billTo: party('Fjordkafé AS', 'regnskap@fjordkafe.example', '+47 55 98 76 54', [
        'Bryggen 9',
        null,
        'Bergen',
        'Vestland',
        '5003',
        'NO',
      ]),
      lines: [
        ['LABOR', 'Feilsøking (timer)', 'ARB-EL', '0.75', '1095.00', '25'],
        ['MATERIAL', 'LED downlight 8W IP44', 'MAT-LED8', '6', '249.90', '25'],
        ['MATERIAL', 'Koblingsklemme Wago 221-413 (stk)', 'MAT-WAGO3', '1', '10.02', '25'],
      ],
      createdAt: '2026-11-02T09:00:00.000Z',
      finalizedAt: '2026-11-02T14:12:44.000Z',
    },
    {
      sequence: 2004,
      status: 'VOID',
      issueDate: '2026-11-01',
      dueDate: '2026-11-15',
      billTo: party('Fjordkafé AS', 'regnskap@fjordkafe.example', '+47 55 98 76 54', [
        'Bryggen 9',
        null,
        'Bergen',
        'Vestland',
        '5003',
        'NO',
      ]),
      lines: [['LABOR', 'Feilsøking (timer)', 'ARB-EL', '1', '1095.00', '25']],
      createdAt: '2026-11-01T10:00:00.000Z',
      finalizedAt: '2026-11-01T10:30:00.000Z',
      voidedAt: '2026-11-02T08:55:12.000Z',
      voidReason: 'Feil dato og timetall, erstattet av NE-2003',
    },
    {
      sequence: 2005,
      status: 'DRAFT',
      issueDate: '2026-11-19',
      dueDate: '2026-12-03',
      billTo: party('Sandviken Tannklinikk', 'post@sandvikentann.example', '+47 55 31 20 00', [
        'Sandviksveien 42',
        '2. etasje',
        'Bergen',
        'Vestland',
        '5035',
        'NO',
      ]),
      lines: [
        ['FEE', 'Utrykning (oppmøte)', 'UTR', '1', '950.00', '25'],
        ['LABOR', 'Elektrikerarbeid (timer)', 'ARB-EL', '2', '895.00', '25'],
      ],
      createdAt: '2026-11-19T11:25:00.000Z',
    },
    {
      sequence: 2006,
      status: 'DRAFT',
      issueDate: '2026-11-22',
      dueDate: '2026-12-06',
      billTo: party('Solheim Barnehage', 'styrer@solheimbhg.example', null, [
        'Solheimsgaten 65',
        null,
        'Bergen',
        'Vestland',
        '5058',
        'NO',
      ]),
      lines: [['SERVICE', 'Periodisk kontroll av el-anlegg', 'SVC-KONTROLL', '1', '4500.00', '25']],
      createdAt: '2026-11-22T07:58:00.000Z',
    },
  ];
  return { customer, invoices: specs.map((spec) => invoice(customer, spec)) };
}

function thames(): { customer: CustomerRecord; invoices: InvoiceRecord[] } {
  const customer: CustomerRecord = {
    id: TENANT_IDS.thames,
    name: 'Thames Valley Heating Ltd',
    country: 'GB',
    currency: 'GBP',
    defaultTaxRate: '20',
    slug: 'thames',
    numberPrefix: 'TVH',
    nextSequence: 3006,
  };
  // Reading: 20% VAT standard rate.
  const specs: InvoiceSpec[] = [
    {
      sequence: 3001,
      status: 'FINALIZED',
      issueDate: '2026-10-14',
      dueDate: '2026-11-13',
      billTo: party('James Whitfield', 'j.whitfield@example.co.uk', '+44 118 496 0321', [
        '12 Kendrick Road',
        null,
        'Reading',
        'Berkshire',
        'RG1 5DU',
        'GB',
      ]),
      lines: [
        ['SERVICE', 'Annual boiler service', 'SVC-BOILER', '1', '95.00', '20'],
        ['SERVICE', 'Landlord gas safety certificate (CP12)', 'SVC-CP12', '1', '65.00', '20'],
      ],
      createdAt: '2026-10-14T09:10:00.000Z',
      finalizedAt: '2026-10-14T16:02:33.000Z',
    },
    {
      sequence: 3002,
      status: 'FINALIZED',
      issueDate: '2026-10-28',
      dueDate: '2026-11-27',
      billTo: party('Caversham Lettings Ltd', 'maintenance@cavershamlettings.example', '+44 118 496 0987', [
        '38 Church Street',
        'Caversham',
        'Reading',
        'Berkshire',
        'RG4 8AU',
        'GB',
      ]),
      lines: [
        ['LABOR', 'Heating engineer labour (hours)', 'LAB-HEAT', '3', '55.00', '20'],
        ['MATERIAL', 'Stelrad Compact K2 radiator 600x1000', 'MAT-RAD-K2', '1', '187.45', '20'],
        ['MATERIAL', 'Thermostatic radiator valve pair', 'MAT-TRV', '1', '28.99', '20'],
      ],
      createdAt: '2026-10-28T08:00:00.000Z',
      finalizedAt: '2026-10-28T17:36:10.000Z',
    },
    {
      sequence: 3003,
      status: 'DRAFT',
      issueDate: '2026-11-23',
      dueDate: '2026-12-23',
      billTo: party('Pangbourne Village Hall', 'bookings@pangbournehall.example', null, [
        'Station Road',
        null,
        'Pangbourne',
        'Berkshire',
        'RG8 7AN',
        'GB',
      ]),
      lines: [
        ['FEE', 'Emergency call-out (out of hours)', 'FEE-EMERG', '1', '120.00', '20'],
        ['LABOR', 'Heating engineer labour (hours)', 'LAB-HEAT', '1.25', '72.00', '20'],
      ],
      createdAt: '2026-11-23T21:18:00.000Z',
    },
    {
      sequence: 3004,
      status: 'VOID',
      issueDate: '2026-10-13',
      dueDate: '2026-11-12',
      billTo: party('James Whitfield', 'j.whitfield@example.co.uk', '+44 118 496 0321', [
        '12 Kendrick Road',
        null,
        'Reading',
        'Berkshire',
        'RG1 5DU',
        'GB',
      ]),
      lines: [['SERVICE', 'Annual boiler service', 'SVC-BOILER', '1', '95.00', '20']],
      createdAt: '2026-10-13T10:00:00.000Z',
      finalizedAt: '2026-10-13T10:05:00.000Z',
      voidedAt: '2026-10-14T09:05:00.000Z',
      voidReason: 'Issued before the visit; replaced by TVH-3001',
    },
    {
      sequence: 3005,
      status: 'DRAFT',
      issueDate: '2026-11-24',
      dueDate: null,
      billTo: null,
      lines: [['SERVICE', 'Power flush (up to 10 radiators)', 'SVC-FLUSH', '1', '425.00', '20']],
      createdAt: '2026-11-24T10:42:00.000Z',
    },
  ];
  return { customer, invoices: specs.map((spec) => invoice(customer, spec)) };
}

/** Fresh copies of the seed data on every call. */
export function seedData(): { customers: CustomerRecord[]; invoices: InvoiceRecord[] } {
  const tenants = [acme(), nordlys(), thames()];
  return {
    customers: tenants.map((t) => t.customer),
    invoices: tenants.flatMap((t) => t.invoices),
  };
}
