import { parse, type DocumentNode } from 'graphql';

/**
 * The demo host subgraph's SDL (Federation 2). Exported as a string and a DocumentNode so composition
 * scripts (supergraph for Hive Gateway, composition tests) can import it without starting the server.
 * DEV AND TEST ONLY: the real platform owns Customer and Invoice in production.
 */
export const HOST_SUBGRAPH_SDL = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])

  """
  An exact decimal number, sent as a string such as "1249.99" (input also accepts JSON numbers).
  Money amounts are rounded half up to 2 decimals.
  """
  scalar Decimal

  """
  A calendar date, YYYY-MM-DD.
  """
  scalar Date

  """
  An instant, ISO-8601 in UTC, such as 2026-11-02T14:05:00.000Z.
  """
  scalar DateTime

  """
  The platform's tenant account: a field-service company. Owned by the host; other subgraphs extend it.
  """
  type Customer @key(fields: "id") {
    id: ID!
    name: String!
    """
    ISO 3166-1 alpha-2 country code, e.g. US
    """
    country: String!
    """
    ISO 4217 currency code every invoice of this tenant uses, e.g. USD
    """
    currency: String!
    """
    Tax rate in percent (8.25 = 8.25%) for new lines that give none
    """
    defaultTaxRate: Decimal!
    """
    This tenant's invoices, oldest first; optionally only those in one status
    """
    invoices(status: InvoiceStatus): [Invoice!]!
  }

  enum InvoiceStatus {
    """
    Being prepared; the only status in which an invoice can be edited
    """
    DRAFT
    """
    Issued to the bill-to party; immutable except for voiding
    """
    FINALIZED
    """
    Cancelled after being finalized; kept for the audit trail
    """
    VOID
  }

  enum InvoiceLineKind {
    """
    A fixed-price service (maintenance visit, inspection, installation)
    """
    SERVICE
    """
    Parts and materials
    """
    MATERIAL
    """
    Hourly labour
    """
    LABOR
    """
    Call-out, trip, disposal and similar fees
    """
    FEE
  }

  """
  An invoice a tenant issues to its own client (the bill-to party).
  """
  type Invoice @key(fields: "id") {
    id: ID!
    """
    The tenant's human-facing invoice number, unique per tenant
    """
    number: String!
    status: InvoiceStatus!
    """
    The tenant (account) that issued this invoice
    """
    customer: Customer!
    """
    ISO 4217; always the tenant's currency
    """
    currency: String!
    issueDate: Date!
    dueDate: Date
    """
    Who the invoice is addressed to; required to finalize
    """
    billTo: BillToParty
    lines: [InvoiceLine!]!
    """
    True when unit prices include tax: each line's quantity × unitPrice is what the client pays for it, and
    its amount and taxAmount are backed out of that. False (the default): tax is added on top.
    """
    pricesIncludeTax: Boolean!
    totals: InvoiceTotals!
    memo: String
    """
    Starts at 1 and grows by one with every change (edit, finalize, void)
    """
    version: Int!
    createdAt: DateTime!
    updatedAt: DateTime!
    finalizedAt: DateTime
    voidedAt: DateTime
    voidReason: String
    """
    Where the invoice stands on payment, from the payments recorded against it; independent of status
    (a VOID invoice keeps status VOID and still shows what was paid on it)
    """
    paymentStatus: InvoicePaymentStatus!
    """
    Sum of what the recorded payments apply to this invoice now, 2 decimals
    """
    amountPaid: Decimal!
    """
    totals.total - amountPaid, 2 decimals; negative when the payments exceed the total
    """
    balance: Decimal!
    """
    The recorded payments that apply something now (amount 0 is left out), in the order first recorded
    """
    payments: [InvoicePayment!]!
  }

  enum InvoicePaymentStatus {
    """
    Nothing paid yet (or the total is 0)
    """
    UNPAID
    """
    Something paid, less than the total
    """
    PARTIALLY_PAID
    """
    The payments cover the total (which is above 0)
    """
    PAID
  }

  """
  What one external payment (e.g. a QuickBooks Payment) applies to one invoice, as its source last reported it.
  """
  type InvoicePayment {
    """
    The system the payment comes from, e.g. quickbooks
    """
    source: String!
    """
    The payment's id in that system, stable for its life
    """
    externalId: String!
    """
    What the payment applies to this invoice now, 2 decimals
    """
    amount: Decimal!
    receivedOn: Date
    """
    Payment method as the source names it (Check, Credit Card...)
    """
    method: String
    """
    Check number or processor reference
    """
    reference: String
    """
    The highest revision recorded for this payment
    """
    revision: Int!
    """
    When that revision was recorded
    """
    recordedAt: DateTime!
  }

  """
  The tenant's client an invoice is addressed to (a homeowner, a business, a housing co-op...).
  """
  type BillToParty {
    name: String!
    email: String
    phone: String
    address: PostalAddress
  }

  type PostalAddress {
    line1: String!
    line2: String
    city: String!
    """
    State, county or province
    """
    region: String
    postalCode: String
    """
    ISO 3166-1 alpha-2
    """
    country: String!
  }

  type InvoiceLine {
    """
    Stable within its invoice
    """
    id: ID!
    description: String!
    itemKind: InvoiceLineKind!
    """
    The tenant's price-book code for this item, if any
    """
    serviceCode: String
    quantity: Decimal!
    unitPrice: Decimal!
    """
    Tax rate in percent: 8.25 means 8.25%
    """
    taxRate: Decimal!
    """
    The amount before tax: quantity × unitPrice, rounded half up to 2 decimals; when the invoice's prices
    include tax, that gross × 100 / (100 + taxRate), rounded half up to 2 decimals
    """
    amount: Decimal!
    """
    amount × taxRate / 100, rounded half up to 2 decimals; when prices include tax, the gross − amount
    """
    taxAmount: Decimal!
  }

  """
  Sums of the rounded line amounts, in the invoice currency.
  """
  type InvoiceTotals {
    subtotal: Decimal!
    tax: Decimal!
    """
    subtotal + tax
    """
    total: Decimal!
  }

  type Query {
    """
    A tenant account; null when it does not exist or the caller may not act for it
    """
    customer(id: ID!): Customer
    """
    An invoice; null when it does not exist or belongs to a tenant the caller may not act for
    """
    invoice(id: ID!): Invoice
    """
    A tenant's invoices, oldest first; empty for tenants the caller may not act for
    """
    invoices(customerId: ID!, status: InvoiceStatus): [Invoice!]!
  }

  input PostalAddressInput {
    line1: String!
    line2: String
    city: String!
    region: String
    postalCode: String
    """
    ISO 3166-1 alpha-2, e.g. NO
    """
    country: String!
  }

  input BillToPartyInput {
    name: String!
    email: String
    phone: String
    address: PostalAddressInput
  }

  input InvoiceLineInput {
    """
    Keep an existing line's id when editing; omit for a new line
    """
    id: ID
    description: String!
    itemKind: InvoiceLineKind!
    serviceCode: String
    """
    Greater than 0, at most 4 decimals
    """
    quantity: Decimal!
    """
    At least 0, at most 4 decimals
    """
    unitPrice: Decimal!
    """
    Percent, 0 to 100; defaults to the tenant's defaultTaxRate
    """
    taxRate: Decimal
  }

  input CreateInvoiceInput {
    """
    The tenant issuing the invoice; the caller must be allowed to act for it
    """
    customerId: ID!
    """
    Defaults to today (UTC)
    """
    issueDate: Date
    dueDate: Date
    billTo: BillToPartyInput
    lines: [InvoiceLineInput!]
    """
    Defaults to false: unit prices are before tax
    """
    pricesIncludeTax: Boolean
    memo: String
  }

  """
  Omitted fields stay as they are; null clears dueDate, billTo or memo. lines replaces every line.
  """
  input UpdateInvoiceInput {
    issueDate: Date
    dueDate: Date
    billTo: BillToPartyInput
    lines: [InvoiceLineInput!]
    pricesIncludeTax: Boolean
    memo: String
  }

  """
  One external payment's application to one invoice. Idempotent per (invoiceId, source, externalId) by revision.
  """
  input RecordInvoicePaymentInput {
    """
    A FINALIZED or VOID invoice of one of the caller's tenants
    """
    invoiceId: ID!
    """
    The system the payment comes from, e.g. quickbooks
    """
    source: String!
    """
    The payment's id in that system, stable for its life
    """
    externalId: String!
    """
    At least 1; grows with every change the source reports. A call not above the stored revision changes nothing
    """
    revision: Int!
    """
    ABSOLUTE, not a delta: what the payment applies to this invoice now, at least 0, at most 2 decimals; 0 = no longer applies
    """
    amount: Decimal!
    receivedOn: Date
    method: String
    reference: String
  }

  type RecordInvoicePaymentResult {
    """
    False when this revision or a newer one was already recorded: nothing changed
    """
    applied: Boolean!
    """
    The invoice after the call
    """
    invoice: Invoice!
  }

  type Mutation {
    """
    Creates a DRAFT invoice numbered from the tenant's sequence
    """
    createInvoice(input: CreateInvoiceInput!): Invoice!
    """
    Edits a DRAFT or a FINALIZED invoice (which must keep a line and a bill-to party); a VOID one answers INVALID_STATE_TRANSITION
    """
    updateInvoice(id: ID!, input: UpdateInvoiceInput!): Invoice!
    """
    DRAFT -> FINALIZED; needs at least one line and a bill-to party
    """
    finalizeInvoice(id: ID!): Invoice!
    """
    FINALIZED -> VOID
    """
    voidInvoice(id: ID!, reason: String): Invoice!
    """
    Records what an external payment applies to an invoice now. Service tokens only (FORBIDDEN otherwise); another
    tenant's invoice is NOT_FOUND; a DRAFT is BAD_USER_INPUT. Never changes the invoice's version or status
    """
    recordInvoicePayment(input: RecordInvoicePaymentInput!): RecordInvoicePaymentResult!
  }
`;

export const hostTypeDefs: DocumentNode = parse(HOST_SUBGRAPH_SDL);
