/**
 * Every distinct document the demo host received while its own tests and the e2e tests through Hive Gateway
 * ran (captured once from the server; near-duplicates dropped). The gateway-built ones (named after the e2e
 * operations in test/e2e/operations/gateway.graphql, and the _entities fetches) are what a federated client
 * causes; the rest come from examples/host-subgraph/test. limits.test.ts checks they fit with room to spare.
 */
export const REAL_OPERATIONS: readonly string[] = [
  'query TenantInvoices($customerId:ID!){invoices(customerId:$customerId){__typename id number status customer{id name}}}',
  'query CustomerWithConnection($id:ID!){customer(id:$id){__typename id name}}',
  'query InvoiceWithStatus($id:ID!){invoice(id:$id){__typename id number customer{id}}}',
  'query InvoiceStatusThroughGateway($representations:[_Any!]!){_entities(representations:$representations){__typename ...on Invoice{number status}}}',
  'mutation { finalizeInvoice(id: "inv-acme-1004") { id } }',
  'mutation { updateInvoice(id: "inv-acme-1005", input: { memo: "m" }) { id } }',
  '{ _service { sdl } }',
  'query ($representations: [_Any!]!) { _entities(representations: $representations) { __typename ... on Invoice { id number customer { id } } ... on Customer { id name currency } } }',
  'mutation ($input: CreateInvoiceInput!) { createInvoice(input: $input) { id number status version updatedAt finalizedAt voidedAt voidReason issueDate dueDate memo billTo { name email address { city country } } lines { id description quantity unitPrice taxRate amount taxAmount } totals { subtotal tax total } customer { id } } }',
  'mutation ($id: ID!, $input: UpdateInvoiceInput!) { updateInvoice(id: $id, input: $input) { id number status version updatedAt finalizedAt voidedAt voidReason issueDate dueDate memo billTo { name email address { city country } } lines { id description quantity unitPrice taxRate amount taxAmount } totals { subtotal tax total } customer { id } } }',
  'mutation ($id: ID!) { finalizeInvoice(id: $id) { id number status version updatedAt finalizedAt voidedAt voidReason issueDate dueDate memo billTo { name email address { city country } } lines { id description quantity unitPrice taxRate amount taxAmount } totals { subtotal tax total } customer { id } } }',
  'mutation ($id: ID!, $reason: String) { voidInvoice(id: $id, reason: $reason) { id number status version updatedAt finalizedAt voidedAt voidReason issueDate dueDate memo billTo { name email address { city country } } lines { id description quantity unitPrice taxRate amount taxAmount } totals { subtotal tax total } customer { id } } }',
  '{ invoice(id: "inv-acme-1008") { status version } }',
  '{ customer(id: "cust-acme-us") { id name country currency defaultTaxRate invoices { id number status } } }',
  'query ($id: ID!) { customer(id: $id) { currency country defaultTaxRate } invoices(customerId: $id) { id number currency lines { taxRate } } }',
  '{ customer(id: "cust-thames-gb") { currency invoices(status: FINALIZED) { id } } }',
  '{ invoice(id: "inv-acme-1001") { id number status currency issueDate dueDate memo version createdAt updatedAt finalizedAt voidedAt voidReason customer { id } billTo { name email phone address { line1 line2 city region postalCode country } } lines { id description itemKind serviceCode quantity unitPrice taxRate amount taxAmount } totals { subtotal tax total } } }',
  '{ acme: invoice(id: "inv-acme-1006") { lines { amount taxAmount } totals { subtotal tax total } } }',
  '{ drafts: invoices(customerId: "cust-acme-us", status: DRAFT) { id status } voided: invoices(customerId: "cust-acme-us", status: VOID) { id voidReason voidedAt } }',
  '{ customer(id: "cust-acme-us") { id } invoice(id: "inv-acme-1001") { id } invoices(customerId: "cust-acme-us") { id } missing: invoice(id: "inv-acme-9999") { id } }',
  '{ a: invoice(id: "inv-acme-1002") { customer { id } } n: invoice(id: "inv-nordlys-2002") { customer { id } } }',
  'mutation ($input: RecordInvoicePaymentInput!) { recordInvoicePayment(input: $input) { applied invoice { id status version updatedAt totals { total } paymentStatus amountPaid balance payments { source externalId amount receivedOn method reference revision recordedAt } } } }',
];
