import { Field, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum QuickBooksCsvDateFormat {
  MM_DD_YYYY = 'MM_DD_YYYY',
  DD_MM_YYYY = 'DD_MM_YYYY',
  YYYY_MM_DD = 'YYYY_MM_DD',
}
registerEnumType(QuickBooksCsvDateFormat, {
  name: 'QuickBooksCsvDateFormat',
  description: "The date format to pick in QuickBooks' import wizard for these files",
});

export enum QuickBooksCsvTaxMode {
  EXCLUSIVE = 'EXCLUSIVE',
  INCLUSIVE = 'INCLUSIVE',
}
registerEnumType(QuickBooksCsvTaxMode, {
  name: 'QuickBooksCsvTaxMode',
  description:
    "What the amounts are, to pick in the wizard as 'Exclusive of tax' or 'Inclusive of tax' (INCLUSIVE: not for US companies)",
});

@InputType()
export class QuickBooksCsvExportInput {
  @Field(() => String, { description: 'First invoice date (YYYY-MM-DD)' })
  from!: string;

  @Field(() => String, { description: 'Last invoice date (YYYY-MM-DD), at most 366 days after from' })
  to!: string;

  @Field(() => QuickBooksCsvDateFormat)
  dateFormat!: QuickBooksCsvDateFormat;

  @Field(() => QuickBooksCsvTaxMode, { defaultValue: QuickBooksCsvTaxMode.EXCLUSIVE })
  taxMode!: QuickBooksCsvTaxMode;

  @Field(() => Boolean, {
    description:
      'The QuickBooks company is a US one: lines are marked TAX or NON instead of naming tax codes',
  })
  usCompany!: boolean;
}

@ObjectType()
export class QuickBooksCsvExportFile {
  @Field(() => String)
  name!: string;

  @Field(() => Int, { description: 'Data rows, the header not counted' })
  rows!: number;
}

@ObjectType()
export class QuickBooksCsvExportWarning {
  @Field(() => String, { nullable: true })
  invoiceNumber!: string | null;

  @Field(() => String)
  field!: string;

  @Field(() => String)
  message!: string;
}

@ObjectType({
  description: 'An invoice the import cannot carry (a negative line, a long number, no customer)',
})
export class QuickBooksCsvManualEntry {
  @Field(() => String)
  invoiceNumber!: string;

  @Field(() => String)
  customer!: string;

  @Field(() => String)
  issueDate!: string;

  @Field(() => String)
  total!: string;

  @Field(() => String)
  reason!: string;
}

@ObjectType()
export class QuickBooksCsvExportCounts {
  @Field(() => Int)
  invoices!: number;

  @Field(() => Int)
  lines!: number;

  @Field(() => Int)
  customers!: number;

  @Field(() => Int)
  invoiceFiles!: number;
}

@ObjectType({ description: "A zip of files for QuickBooks Online's import, kept until expiresAt" })
export class QuickBooksCsvExport {
  @Field(() => String, {
    description: "GET it with the same Authorization header (an admin's of this customer); 410 once expired",
  })
  downloadUrl!: string;

  @Field(() => Date)
  expiresAt!: Date;

  @Field(() => [QuickBooksCsvExportFile])
  files!: QuickBooksCsvExportFile[];

  @Field(() => QuickBooksCsvExportCounts)
  counts!: QuickBooksCsvExportCounts;

  @Field(() => [QuickBooksCsvExportWarning])
  warnings!: QuickBooksCsvExportWarning[];

  @Field(() => [QuickBooksCsvManualEntry])
  manualEntry!: QuickBooksCsvManualEntry[];
}
