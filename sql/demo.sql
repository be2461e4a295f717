-- Drive: demo data for development -- a portal as it looks after 18 months.
--
--   psql "$DRIVE_OWNER_URL" -v ON_ERROR_STOP=1 -f sql/demo.sql
--
-- Run it once on a freshly migrated database (`drivectl migrate`), as the
-- owner of the database.  It refuses to run when the database already holds
-- more than 10 ideas or any @example.test user, so it never doubles data.
-- One transaction, a few seconds.  The same data every time: it is made
-- with setseed() against a fixed virtual clock, then moved forward by whole
-- days so that its last day is today (pg_temp.vnow, pg_temp.shift).
--
-- Every demo account has the password:   drive demo password
--
--   client001@example.test   Katrin M., Hanseatic Logistics GmbH (client)
--   pm1@example.test         Julia Brandt, product manager Cash Management
--   admin1@example.test      Sabine Wolff, administrator
--
-- Also client002..client290, pm2..pm8 and admin2, all @example.test.
--
-- What it makes: 40 organisations; 300 users (290 clients, 8 product
-- managers, 2 admins) with their redeemed invitations and a few open ones;
-- 2,000 ideas over the last 18 months in the 5 areas; votes with a long tail
-- (a few ideas with 150+ votes, a handful for the median), some of them
-- recent so that "trending" differs from "top"; about 5,000 comments, with
-- official answers from the product managers; comment notifications for
-- the last weeks.  vote_count, organization_count, comment_count and
-- idea_organization_votes are set from the rows inserted.

\set QUIET on
SET client_encoding = 'UTF8';

BEGIN;
SET LOCAL client_min_messages = warning;
SET LOCAL work_mem = '64MB';

-- A second run waits for the first one here and then refuses.
LOCK TABLE ideas IN SHARE ROW EXCLUSIVE MODE;

DO $$
DECLARE
	n bigint;
BEGIN
	SELECT count(*) INTO n FROM ideas;
	IF n > 10 THEN
		RAISE EXCEPTION 'demo.sql: the database already holds % ideas; the demo data is loaded into a fresh database only, never twice', n
		    USING HINT = 'Create an empty database, run "drivectl migrate", then this script.';
	END IF;
	IF EXISTS (SELECT 1 FROM users
	    WHERE lower(email) LIKE '%@example.test') THEN
		RAISE EXCEPTION 'demo.sql: demo users (@example.test) exist already; the demo data is loaded once only'
		    USING HINT = 'Create an empty database, run "drivectl migrate", then this script.';
	END IF;
	PERFORM setseed(0.2024);
END
$$;

-- Office hours are Berlin's; whole days added keep the time of day.
SET LOCAL TimeZone = 'Europe/Berlin';

-- ---------------------------------------------------------------------------
-- Text fragments
-- ---------------------------------------------------------------------------

-- Title families: a title is a template with one subject ({s}) and,
-- sometimes, a qualifier; all lists of a family fit together, and so do
-- its context sentences and list items for the body.
CREATE TEMP TABLE demo_family (
	fam		serial PRIMARY KEY,
	area		text NOT NULL,
	lang		text NOT NULL,
	subjects	text[] NOT NULL,
	templates	text[] NOT NULL,
	qualifiers	text[] NOT NULL,
	context		text[] NOT NULL,
	bullets		text[],		-- NULL: those of the area
	comments	text[]		-- what clients ask about such ideas
) ON COMMIT DROP;

INSERT INTO demo_family (area, lang, subjects, templates, qualifiers, context,
    bullets) VALUES
-- Cash Management
('cash-management', 'en',
 ARRAY['MT940 statements', 'camt.053 statements', 'camt.052 intraday reports',
  'camt.054 debit and credit notifications', 'MT942 intraday statements',
  'end-of-day balance reports', 'balance reports', 'BAI2 files'],
 ARRAY['Real-time {s} via API', '{s} for all accounts in one file',
  'Deliver {s} via EBICS', 'Push {s} directly into our ERP',
  'Configurable delivery times for {s}',
  'Consolidated {s} across all group entities', 'Self-service setup of {s}',
  'Ten years of historical {s}', 'Download {s} as PDF and XML',
  'Schedule {s} per account group', 'Include foreign bank accounts in {s}'],
 ARRAY['for all accounts', 'for our foreign subsidiaries',
  'including structured remittance information', 'with the end-to-end reference',
  'without an extra EBICS order type',
  'for our SAP S/4HANA system', 'every 15 minutes', 'on weekends too',
  'with running balances', 'for USD and GBP accounts'],
 ARRAY['We currently receive our statements once a day, which is too late for our intraday cash positioning.',
  'Our ERP ({erp}) imports the bank statements automatically, but only if they arrive in a consistent format.',
  'Reconciling our {n} accounts still involves several manual downloads from the portal every morning.',
  'At month-end close, the delay between booking and reporting leaves open items in our bank reconciliation.'],
 ARRAY['Support for `camt.053.001.08`', 'Delivery via EBICS order type `C53`',
  'The `EndToEndId` in every transaction',
  'A notification when a file could not be processed',
  'Filter by account group and currency']),
('cash-management', 'en',
 ARRAY['SEPA Instant payments', 'SEPA credit transfers',
  'urgent cross-border payments', 'SEPA direct debits', 'salary payments',
  'supplier payment runs', 'payments in CNY',
  'payments to India with purpose codes', 'treasury payments',
  'intercompany payments'],
 ARRAY['Bulk {s} with pain.001 upload',
  'Four-eyes approval for {s} in the mobile app', 'Status tracking for {s}',
  'Cut-off time overview for {s}', 'Templates for recurring {s}',
  'Release {s} via API with electronic signature',
  'End-to-end tracking of {s} with the UETR', 'Recall {s} online',
  'Future-dated {s}', 'Approval limits per user for {s}',
  'Pre-validation of {s} before release'],
 ARRAY['in the portal', 'via API', 'in pain.001.001.09 format',
  'for all group companies', 'with dual control', 'above EUR 1m',
  'including pain.002 status reports', 'from our SAP payment run',
  'with one signature per batch', 'across all our banks',
  'from the approval app'],
 ARRAY['We send around {n} payment files per week from {erp}, and our payables team releases them in the portal.',
  'When a supplier calls about a missing payment, we have no quick way to see where it is.',
  'Our payment process has to follow strict internal controls, including dual approval above certain amounts.',
  'We run a payment factory for {n} group companies, and all payments are released centrally.'],
 ARRAY['Upload as `pain.001.001.09`', 'Status per payment (`pain.002`)',
  'Four-eyes approval above a configurable amount',
  'The reason for a rejection in plain language', 'Cut-off times per currency']),
('cash-management', 'en',
 ARRAY['cash positions', 'account balances', 'liquidity forecasts',
  'cash pool balances', 'intraday balances', 'available balances'],
 ARRAY['Multi-bank dashboard for {s}', 'Real-time view of {s}',
  'Daily e-mail summary of {s}', 'Export {s} to Excel',
  'Alerts when {s} fall below a threshold', 'Group-wide view of {s}',
  'Start page widget for {s}', '{s} by currency and entity',
  'Historical chart of {s}'],
 ARRAY['across all our banks', 'for the treasury team', 'in EUR equivalent',
  'for our Asian subsidiaries', 'including pending payments',
  'with drill-down to transactions', 'in the mobile app'],
 ARRAY['Our treasury builds the daily cash position from several bank portals and a spreadsheet.',
  'Our CFO wants a reliable view of the available liquidity across the group every morning at nine.',
  'We often notice a low balance only when a payment is rejected.',
  'Intraday liquidity has become much more important for us since interest rates went up.'],
 ARRAY['All accounts, including other banks via MT940', 'Balances in EUR equivalent',
  'Drill-down to single transactions', 'Export as XLSX',
  'Thresholds per account']),
('cash-management', 'en',
 ARRAY['virtual accounts', 'sub-accounts', 'collection accounts',
  'virtual IBANs', 'escrow accounts'],
 ARRAY['Open new {s} online without paperwork',
  'Self-service management of {s}', 'API to create and close {s}',
  'Reporting on {s} with the full hierarchy', 'Rename {s} in the portal',
  'Bulk creation of {s} via CSV upload', 'Reconciliation rules for {s}'],
 ARRAY['for each customer', 'per business unit',
  'with automatic reconciliation', 'in real time',
  'for our e-commerce platform', 'within minutes'],
 ARRAY['We use virtual accounts to identify incoming payments from our {n} largest customers.',
  'Opening a new account structure currently takes weeks and several signed forms.',
  'Our e-commerce business needs a dedicated account reference for each customer.'],
 ARRAY['Creation via portal and API', 'Our own names for the accounts',
  'The virtual account number in the `camt.053`', 'Closing accounts online',
  'Bulk upload via CSV']),
('cash-management', 'en',
 ARRAY['cash pooling', 'zero-balancing', 'notional pooling',
  'target balancing'],
 ARRAY['Multi-bank {s} dashboard', 'Self-service changes to {s}',
  'Intraday {s}', 'Transparent interest allocation for {s}',
  'Simulation tool for {s}', 'Cross-border {s}'],
 ARRAY['across all our banks', 'in EUR and USD', 'for our Nordic entities',
  'with daily interest statements',
  'including intercompany loan reporting'],
 ARRAY['We pool the balances of {n} entities into our central treasury account every evening.',
  'Interest allocation within the pool is currently calculated by hand in Excel.',
  'Changing the participants of our cash pool requires a paper form and takes weeks.'],
 ARRAY['Participants and limits at a glance', 'Interest per participant and month',
  'Intercompany balances per entity', 'Changes with four-eyes approval']),
('cash-management', 'de',
 ARRAY['MT940-Kontoauszüge', 'camt.053-Auszüge', 'camt.052-Intraday-Umsätze',
  'camt.054-Avise', 'Vortagessalden'],
 ARRAY['{s} in Echtzeit per API', '{s} für alle Konten in einer Datei',
  '{s} direkt in unser ERP-System', 'Abrufzeitpunkte für {s} selbst festlegen',
  '{s} auch am Wochenende', '{s} zehn Jahre rückwirkend abrufen'],
 ARRAY['für alle Tochtergesellschaften', 'über EBICS', 'im neuen Portal',
  'mit strukturiertem Verwendungszweck', 'für Fremdbankkonten',
  'inklusive End-to-End-Referenz'],
 ARRAY['Wir erhalten unsere Auszüge derzeit einmal täglich – für die untertägige Disposition ist das zu spät.',
  'Unser ERP ({erp}) liest die Kontoauszüge automatisch ein, aber nur, wenn das Format einheitlich ist.',
  'Beim Monatsabschluss führt der Zeitversatz zwischen Buchung und Reporting zu offenen Posten in der Bankabstimmung.'],
 NULL),
('cash-management', 'de',
 ARRAY['SEPA-Echtzeitüberweisungen', 'Sammelüberweisungen', 'Gehaltszahlungen',
  'Auslandszahlungen', 'Lastschriften'],
 ARRAY['{s} per pain.001-Upload', 'Vier-Augen-Freigabe für {s} in der App',
  'Statusverfolgung für {s}', 'Vorlagen für wiederkehrende {s}',
  'Terminierte {s}', 'Freigabelimits pro Nutzer für {s}'],
 ARRAY['im Portal', 'per API', 'für alle Konzerngesellschaften',
  'ab 1 Mio. EUR', 'mit Statusrückmeldung (pain.002)'],
 ARRAY['Wir übertragen pro Woche rund {n} Zahlungsdateien aus dem ERP; die Kreditorenbuchhaltung gibt sie im Portal frei.',
  'Wenn ein Lieferant nach einer Zahlung fragt, können wir den Status heute nicht schnell nachvollziehen.',
  'Wir betreiben eine Payment Factory für {n} Konzerngesellschaften; alle Zahlungen werden zentral freigegeben.'],
 NULL),
('cash-management', 'de',
 ARRAY['virtuelle Konten', 'Unterkonten', 'Cash-Pool-Strukturen'],
 ARRAY['{s} online ohne Papierformular einrichten', 'Selbstverwaltung für {s}',
  'Reporting über {s} mit vollständiger Hierarchie', '{s} per API anlegen'],
 ARRAY['für jede Tochtergesellschaft', 'innerhalb weniger Minuten'],
 ARRAY['Die Einrichtung neuer Kontostrukturen dauert derzeit Wochen und erfordert mehrere unterschriebene Formulare.',
  'Wir nutzen virtuelle Konten, um Zahlungseingänge unserer größten Kunden zuzuordnen.'],
 NULL),
-- Trade Finance
('trade-finance', 'en',
 ARRAY['letters of credit', 'import LCs', 'export LCs', 'standby LCs',
  'documentary collections'],
 ARRAY['Status tracking for {s} in the portal', 'Digital {s} with e-signature',
  'Apply for {s} online', 'Amend {s} without paper forms',
  'Templates for recurring {s}', 'Expiry reminders for {s}',
  'Bulk download of {s} as PDF', 'API access to {s}',
  'Dashboard of outstanding {s}', 'Fee overview for {s} per subsidiary'],
 ARRAY['for our subsidiaries in Asia', 'with four-eyes approval',
  'including SWIFT message copies', 'linked to our purchase orders',
  'with a document checklist', 'via API', 'with discrepancy alerts',
  'for all our suppliers in China', 'in English and German'],
 ARRAY['We open around {n} import LCs per month, mostly for suppliers in {cty}.',
  'Today we follow up on the status of our LCs by e-mail and phone with the trade desk.',
  'Amendments are still submitted as scanned PDF forms with wet-ink signatures.',
  'Our trade finance team sits in {cty} and Hamburg and needs the same view of all open instruments.'],
 ARRAY['Current status and next step for each LC',
  'A copy of the `MT700` and of all amendments',
  'Discrepancies together with the documents concerned',
  'Filter by supplier and subsidiary', 'Export of all open LCs to Excel']),
('trade-finance', 'en',
 ARRAY['bank guarantees', 'performance bonds', 'advance payment guarantees',
  'rental guarantees', 'warranty bonds', 'bid bonds', 'customs guarantees'],
 ARRAY['Digital {s} with e-signature', 'Apply for {s} online',
  'Amend {s} without paper forms', 'Expiry reminders for {s}',
  'Dashboard of outstanding {s}', 'Online release of {s} by the beneficiary',
  'Wording library for {s}', 'Fee overview for {s} per entity',
  'Verify {s} with a QR code', 'Automatic step-down of {s}'],
 ARRAY['with URDG 758 wording', 'with four-eyes approval',
  'including MT760 copies', 'for our construction projects',
  'in English and German', 'via API', 'for beneficiaries in the EU',
  'with our own wording templates'],
 ARRAY['Our project business requires performance and advance payment guarantees for almost every contract.',
  'Our legal department spends a lot of time aligning guarantee wording with beneficiaries.',
  'We currently have about {n} guarantees outstanding and track their expiry dates in Excel.',
  'Getting a guarantee back from the beneficiary after expiry takes months of reminders.'],
 ARRAY['Expiry date and remaining amount at a glance', 'A copy of the `MT760`',
  'Our own wording templates', 'Reminders 30 and 7 days before expiry',
  'Fee overview per guarantee']),
('trade-finance', 'en',
 ARRAY['supply chain finance', 'receivables finance', 'invoice discounting',
  'dynamic discounting', 'early payment offers'],
 ARRAY['{s} integrated into our ERP', 'Self-service onboarding for {s}',
  'Real-time limits for {s}', 'Utilisation dashboard for {s}',
  'API for {s}', 'Sustainability-linked pricing for {s}',
  'Multi-currency {s}'],
 ARRAY['for our top 200 suppliers', 'in EUR and USD', 'with daily settlement',
  'with ESG scoring', 'via SAP Ariba', 'for suppliers in Eastern Europe'],
 ARRAY['Our suppliers keep asking for earlier payment, and we would like to support them without changing our payment terms.',
  'Onboarding a supplier to the programme currently takes several weeks.',
  'Our purchasing department wants to link financing conditions to the sustainability rating of our suppliers.'],
 ARRAY['Limits and utilisation in real time', 'Invoice upload from our ERP',
  'Settlement reports per supplier', 'Pricing by supplier rating']),
('trade-finance', 'en',
 ARRAY['bills of lading', 'commercial invoices', 'certificates of origin',
  'trade documents', 'shipping documents', 'insurance certificates'],
 ARRAY['Upload {s} via drag and drop', 'Electronic {s} under MLETR',
  'Automated checks of {s} before presentation',
  'Share {s} with our freight forwarder', 'Archive {s} for ten years',
  'OCR for {s}'],
 ARRAY['in the portal', 'for all LC presentations', 'with digital signatures',
  'via API', 'for export LCs'],
 ARRAY['We still receive original documents by courier, which adds several days to each transaction.',
  'Document discrepancies are the main reason why payments under our LCs are delayed.',
  'Our freight forwarder already works with electronic documents, but the bank process does not.'],
 ARRAY['Upload as PDF or via API', 'Automatic check against the LC terms',
  'Access for our freight forwarder', 'Archive for ten years']),
('trade-finance', 'de',
 ARRAY['Akkreditive', 'Import-Akkreditive', 'Avale', 'Bürgschaften',
  'Dokumenteninkassi'],
 ARRAY['Statusverfolgung für {s} im Portal', 'Digitale {s} mit elektronischer Signatur',
  '{s} online beantragen', '{s} ohne Papierformular ändern',
  'Ablauferinnerung für {s}', 'Übersicht aller offenen {s}'],
 ARRAY['für alle Tochtergesellschaften', 'mit Vier-Augen-Prinzip',
  'inklusive SWIFT-Kopie', 'auf Deutsch und Englisch'],
 ARRAY['Den Status unserer Avale und Akkreditive verfolgen wir heute per E-Mail und Telefon mit dem Trade-Desk.',
  'Änderungen reichen wir noch immer als eingescannte PDF-Formulare mit Unterschrift ein.',
  'Unser Projektgeschäft erfordert für fast jeden Auftrag Vertragserfüllungs- und Anzahlungsbürgschaften.'],
 NULL),
('trade-finance', 'de',
 ARRAY['Lieferantenfinanzierung', 'Forderungsankauf', 'Rechnungsfinanzierung'],
 ARRAY['{s} direkt aus dem ERP', '{s}: Echtzeit-Limits im Portal',
  '{s} per API', '{s} mit ESG-Kennzahlen'],
 ARRAY['für unsere 200 wichtigsten Lieferanten', 'in EUR und USD'],
 ARRAY['Unsere Lieferanten fragen immer häufiger nach früherer Zahlung.',
  'Die Anbindung neuer Lieferanten an das Programm dauert derzeit mehrere Wochen.'],
 NULL),
-- Securities Services
('securities-services', 'en',
 ARRAY['corporate actions', 'dividend payments', 'income events',
  'mandatory corporate actions', 'voluntary corporate actions',
  'general meeting notices', 'class action notices'],
 ARRAY['{s} alerts via webhook', 'E-mail notifications for {s}',
  'Calendar of upcoming {s}', 'API for {s}', 'Real-time status of {s}',
  'Export {s} to our portfolio system', 'Deadline reminders for {s}',
  'Golden-copy data for {s}', 'Filter {s} by fund'],
 ARRAY['for all our funds', 'with ISIN and record date',
  'in ISO 20022 seev format', 'for all markets', 'in our local time zone',
  'including tax details', 'for Clearstream and Euroclear positions'],
 ARRAY['Corporate action notifications currently reach us by SWIFT `MT564` and by e-mail, and we reconcile both manually.',
  'We hold securities in {n} markets through your custody network and receive several hundred events a year.',
  'Missing an election deadline has cost us real money in the past.'],
 ARRAY['Event type, ISIN and key dates in one view',
  'The election deadline in our local time zone',
  'ISO 20022 `seev.031` as an alternative to `MT564`',
  'Filter by fund and sub-account', 'A webhook when an event changes']),
('securities-services', 'en',
 ARRAY['proxy voting', 'shareholder identification under SRD II',
  'general meeting attendance'],
 ARRAY['{s} in the portal', '{s} via API', 'Annual report on {s}',
  'Bulk instructions for {s}', 'Deadline alerts for {s}'],
 ARRAY['for all our funds', 'with voting recommendations',
  'for US and UK securities', 'with end-to-end confirmation'],
 ARRAY['Proxy voting deadlines are often shorter than our internal approval process.',
  'As an asset manager we have to report on our voting behaviour every year under SRD II.',
  'Our ESG team wants to vote on all holdings, not only on the largest ones.'],
 ARRAY['Agenda and deadlines per meeting', 'Instructions for several funds at once',
  'Confirmation that our vote was counted', 'An annual report for SRD II']),
('securities-services', 'en',
 ARRAY['settlement status', 'custody holdings', 'failed trades',
  'settlement instructions', 'securities positions', 'collateral movements',
  'T2S settlements'],
 ARRAY['Real-time {s} via API', 'Daily report of {s}', 'Intraday view of {s}',
  '{s} per sub-account', 'Push alerts for {s}',
  'Reconciliation of {s} with our records', 'Download {s} as CSV',
  'Historical {s} for audit purposes'],
 ARRAY['via SWIFT MT535 and MT536', 'in ISO 20022 semt format',
  'for all markets', 'for our fund entities', 'including CSDR penalties',
  'with ISIN-level detail', 'for Clearstream and Euroclear', 'at end of day'],
 ARRAY['Our fund administration needs settlement information before the end-of-day batch.',
  'Our portfolio management system expects positions in a structured format every morning.',
  'Failed trades are currently reported to us by e-mail, often a day late.'],
 ARRAY['Status per instruction with the reason for a failure',
  'ISIN, quantity and counterparty', 'Positions at end of day and intraday',
  'The content of `MT548` as JSON', 'Export to CSV']),
('securities-services', 'en',
 ARRAY['withholding tax reclaims', 'CSDR penalties', 'custody fees',
  'safekeeping fees', 'transaction charges'],
 ARRAY['Transparent overview of {s}', 'Monthly statement of {s}',
  'Breakdown of {s} by market', 'Forecast of {s}', 'API access to {s}',
  'Invoice for {s} per fund', 'Status tracking for {s}'],
 ARRAY['per fund', 'per market', 'with ISIN-level detail', 'as CSV and PDF',
  'for the last 24 months'],
 ARRAY['Since CSDR came into force, penalties have become a recurring topic in our monthly reporting.',
  'Withholding tax reclaims take too long, and we have little visibility of their status.',
  'Our controlling department has to allocate custody costs to {n} funds every month.'],
 ARRAY['Amounts per fund and market', 'The penalty amount per failed trade',
  'The status of each reclaim', 'Export as CSV and PDF']),
('securities-services', 'de',
 ARRAY['Kapitalmaßnahmen', 'Dividendenzahlungen', 'Hauptversammlungstermine',
  'Ertragsereignisse'],
 ARRAY['Webhook-Benachrichtigung für {s}', 'Kalenderansicht für anstehende {s}',
  'E-Mail-Alerts für {s}', '{s} direkt in unser Portfoliosystem exportieren',
  'Fristerinnerungen für {s}'],
 ARRAY['für alle Depots', 'mit ISIN und Stichtag',
  'für unsere Fondsgesellschaften'],
 ARRAY['Kapitalmaßnahmen erreichen uns heute per `MT564` und per E-Mail; beides gleichen wir manuell ab.',
  'Eine verpasste Weisungsfrist hat uns in der Vergangenheit bereits Geld gekostet.'],
 NULL),
('securities-services', 'de',
 ARRAY['Abwicklungsstatus', 'Depotbestände', 'CSDR-Penalties',
  'Quellensteuer-Erstattungen'],
 ARRAY['{s} in Echtzeit per API', 'Täglicher Report: {s}', '{s} je Unterdepot',
  'Übersicht: {s} pro Markt'],
 ARRAY['für alle Fonds', 'als CSV-Download'],
 ARRAY['Seit Inkrafttreten von CSDR sind Penalties ein fester Punkt in unserem Monatsreporting.',
  'Quellensteuer-Rückforderungen dauern zu lange, und wir haben kaum Einblick in den Status.',
  'Unsere Fondsbuchhaltung braucht die Abwicklungsdaten vor dem Tagesendlauf.'],
 NULL),
-- FX
('fx', 'en',
 ARRAY['FX forwards', 'FX swaps', 'NDFs', 'FX options', 'window forwards',
  'flexible forwards'],
 ARRAY['One-click rollover of {s}', 'Book {s} in the portal',
  'Streaming prices for {s}', 'Confirmations of {s} via API',
  'Automatic matching of confirmations for {s}', 'Early drawdown of {s} online',
  'Overview of open {s}', 'Bulk booking of {s} from CSV',
  'Daily mark-to-market of {s}', 'Limit utilisation for {s}'],
 ARRAY['in EUR, USD and CHF', 'for all subsidiaries',
  'with hedge accounting documentation', 'including EMIR reporting fields',
  'with a pre-trade limit check', 'via API', 'for exotic currencies',
  'with settlement netting', 'with tenors up to 24 months',
  'in the mobile app'],
 ARRAY['We hedge our USD and CNY exposure with rolling forwards every month.',
  'Rolling a forward currently requires a phone call and two confirmations.',
  'Our hedge accounting documentation needs the trade details in a structured format.',
  'Our treasury policy requires a pre-trade check against the approved limits.'],
 ARRAY['Indicative rate before booking', 'Confirmation via API (`MT300` or JSON)',
  'Overview of open deals by maturity', 'Pre-trade limit check',
  'The EMIR UTI on every confirmation']),
('fx', 'en',
 ARRAY['FX rates', 'indicative rates', 'fixing rates', 'ECB reference rates',
  'forward points'],
 ARRAY['Live {s} in the portal', '{s} via API', 'Historical {s} for download',
  'Rate alerts based on {s}', '{s} delivered to our ERP every morning'],
 ARRAY['for all G10 currencies', 'for emerging market currencies',
  'at 15-minute intervals', 'as CSV', 'with bid and ask'],
 ARRAY['We use your rates for our daily valuation and for pricing our export offers.',
  'Our ERP needs the rates every morning before eight, and today someone copies them by hand.',
  'Our sales team quotes prices in foreign currency and needs reliable reference rates.'],
 ARRAY['Bid and ask', 'All currencies we trade', 'History for at least five years',
  'Delivery as CSV or via API']),
('fx', 'en',
 ARRAY['currency conversions', 'FX payments', 'multi-currency payments',
  'cross-currency sweeps', 'foreign currency receipts'],
 ARRAY['Guaranteed rates for {s}', 'Fee transparency for {s}',
  'Pre-booked rates for {s}', 'Automatic {s} at a target rate',
  'Netting of {s} across entities', 'Same-day value for {s}',
  'Rate preview for {s} before release'],
 ARRAY['in the portal', 'via API', 'for all group companies',
  'for amounts up to EUR 250k', 'in over 30 currencies',
  'for our subsidiaries in Latin America'],
 ARRAY['Our subsidiaries in {cty} pay suppliers in local currency and convert centrally.',
  'The spread on small conversions is hard to explain to our controlling department.',
  'We receive payments in {n} currencies and convert them to EUR by hand.'],
 ARRAY['The rate before release', 'All fees shown separately',
  'Target rate orders', 'Value date per currency']),
('fx', 'en',
 ARRAY['FX exposures', 'hedge effectiveness', 'EMIR trade reports',
  'FX trade history', 'counterparty limits', 'FX deal confirmations'],
 ARRAY['Dashboard for {s}', 'Export {s} to our TMS',
  'Monthly report on {s} by entity', '{s} via API',
  'Archive of {s} for ten years'],
 ARRAY['for IFRS 9 purposes', 'per legal entity', 'as XLSX',
  'for our auditors'],
 ARRAY['Our auditors ask for a complete list of FX trades and their hedge relationships every year.',
  'We consolidate the FX exposures of {n} entities, mostly by e-mail and Excel.',
  'Our treasury management system ({tms}) needs the trade data without manual re-entry.'],
 ARRAY['Trades per entity and currency', 'Hedge relationships', 'Export to {tms}',
  'XLSX and CSV']),
('fx', 'de',
 ARRAY['Devisentermingeschäfte', 'FX-Swaps', 'NDFs', 'Devisenoptionen'],
 ARRAY['{s} mit einem Klick prolongieren', '{s} im Portal abschließen',
  'Bestätigungen für {s} per API', 'Übersicht offener {s}',
  'Sammelerfassung für {s} per CSV', 'Tägliche Marktbewertung für {s}'],
 ARRAY['für alle Tochtergesellschaften', 'mit EMIR-Meldedaten',
  'in EUR, USD und CHF', 'mit Limitprüfung vor dem Handel',
  'bis 24 Monate Laufzeit'],
 ARRAY['Wir sichern unser USD- und CNY-Exposure monatlich mit rollierenden Termingeschäften ab.',
  'Das Prolongieren eines Termingeschäfts erfordert heute einen Anruf und zwei Bestätigungen.',
  'Für unser Hedge Accounting benötigen wir die Geschäftsdaten in strukturierter Form.'],
 NULL),
('fx', 'de',
 ARRAY['Devisenkurse', 'Fixing-Kurse', 'EZB-Referenzkurse'],
 ARRAY['{s} live im Portal', '{s} per API', 'Historische {s} zum Download',
  'Kursalarm für {s}'],
 ARRAY['für alle G10-Währungen', 'im 15-Minuten-Takt'],
 ARRAY['Unser ERP benötigt die Kurse jeden Morgen vor acht Uhr; heute überträgt sie jemand von Hand.',
  'Unser Vertrieb kalkuliert Angebote in Fremdwährung und braucht verlässliche Referenzkurse.'],
 NULL),
-- Channels & APIs
('channels-apis', 'en',
 ARRAY['our Azure AD', 'Microsoft Entra ID', 'Okta',
  'our corporate identity provider', 'Ping Identity'],
 ARRAY['Single sign-on with {s}',
  'Automatic user provisioning (SCIM) from {s}',
  'Role mapping from groups in {s}', 'Mobile app login with {s}',
  'Step-up authentication via {s}'],
 ARRAY['for all subsidiaries', 'including the approval app', 'with SAML 2.0',
  'with OpenID Connect'],
 ARRAY['Our IT security policy requires single sign-on for all external web applications.',
  'We have about {n} users in the portal, and every leaver has to be deactivated by hand.',
  'Separate passwords for each bank portal are a recurring finding in our security audits.'],
 ARRAY['SAML 2.0 or OpenID Connect', 'Role mapping from AD groups',
  'SCIM 2.0 for provisioning and deprovisioning', 'The mobile app included']),
('channels-apis', 'en',
 ARRAY['API keys', 'OAuth client secrets', 'mTLS certificates', 'EBICS keys',
  'signing certificates'],
 ARRAY['Self-service rotation of {s}', 'Expiry alerts for {s}',
  'Audit log for {s}', 'Manage {s} per subsidiary',
  'Role-based access to {s}', 'Rotate {s} without downtime'],
 ARRAY['in the portal', 'via API', 'with four-eyes approval',
  'for our test environment'],
 ARRAY['Our EBICS certificates expire every year, and the renewal is a manual process on both sides.',
  'Last year an expired certificate stopped our payment files for half a day.',
  'Our security team wants us to rotate all credentials every 90 days.'],
 ARRAY['Expiry alerts 30 days in advance', 'Rotation without downtime',
  'An audit log of every change', 'Four-eyes approval for new keys']),
('channels-apis', 'en',
 ARRAY['payments API', 'account information API', 'trade finance API',
  'FX API', 'custody API', 'statements API'],
 ARRAY['Sandbox for the {s}', 'OpenAPI specification for the {s}',
  'Webhooks for the {s}', 'Postman collection for the {s}',
  'Higher rate limits for the {s}', 'Versioning policy for the {s}',
  'Idempotency keys in the {s}', 'Bulk endpoints in the {s}',
  'Cursor pagination in the {s}', 'Event streaming for the {s}',
  'Status page for the {s}'],
 ARRAY['with a public changelog', 'with code samples in Java and Python',
  'for all our subsidiaries'],
 ARRAY['We are building a treasury integration layer and want to connect all our banks via API.',
  'Our developers spent a lot of time figuring out the error codes of the current API.',
  'Without a proper test setup, every change on our side has to be tested against production.'],
 ARRAY['OAuth 2.0 client credentials with `private_key_jwt`',
  'Webhook signatures (HMAC-SHA256)',
  'Idempotency via an `Idempotency-Key` header',
  'A sandbox with realistic test data', 'Clear error codes and a changelog']),
('channels-apis', 'en',
 ARRAY['EBICS', 'EBICS 3.0', 'host-to-host', 'SWIFT FileAct', 'SFTP'],
 ARRAY['Self-service onboarding for {s}', 'Monitoring of {s} file transfers',
  'Status notifications for {s} uploads', 'Test environment for {s}',
  'Online certificate renewal for {s}', 'Fallback from {s} to the portal',
  'Distributed signature for {s}'],
 ARRAY['with PGP encryption', 'for all group companies', 'in the portal',
  'with real-time alerts'],
 ARRAY['We exchange around {n} files per day with you through our file transfer platform.',
  'When a file transfer fails, we usually notice only the next morning.',
  'Setting up a new connection currently takes several weeks and many e-mails.'],
 ARRAY['Status per file', 'Alerts by e-mail and webhook',
  'A test environment with the same setup', 'Online certificate renewal']),
('channels-apis', 'en',
 ARRAY['the portal', 'the mobile app', 'the approval app', 'the dashboard'],
 ARRAY['Dark mode in {s}', 'Customisable start page in {s}',
  'Push notifications in {s}', 'WCAG 2.1 AA accessibility for {s}',
  'Biometric login for {s}', 'Faster search in {s}', 'Saved filters in {s}',
  'Keyboard shortcuts in {s}', 'Larger fonts in {s}', 'Favourites in {s}',
  'Longer session timeout in {s}', 'Guided tour for new users of {s}',
  'Print view in {s}', 'Spanish and Polish language versions of {s}'],
 ARRAY[]::text[],
 ARRAY['We check the portal several times a day, mostly from laptops, sometimes from phones.',
  'Several colleagues in our team work with screen readers or high zoom levels.',
  'Most of our users need only three or four functions of the portal.'],
 ARRAY['Works on small screens', 'Full keyboard navigation',
  'Settings saved per user', 'The same functions in the app and in the portal']),
('channels-apis', 'en',
 ARRAY['user rights', 'signing rules', 'approval workflows', 'user roles',
  'account permissions'],
 ARRAY['Self-service administration of {s}',
  'Copy {s} from one user to another', 'Audit report of changes to {s}',
  'Bulk changes to {s}', 'Time-limited {s} for temporary staff',
  'Export of {s} for our auditors'],
 ARRAY['in the portal', 'per subsidiary', 'with four-eyes approval',
  'via API'],
 ARRAY['Our internal audit asked for a complete record of who changed which user rights and when.',
  'We have about {n} users in the portal, spread over several subsidiaries.',
  'Onboarding a new user currently takes about two weeks because of paper forms.'],
 ARRAY['Changes with four-eyes approval', 'A complete audit log',
  'An export for our auditors', 'Templates for typical roles']),
('channels-apis', 'de',
 ARRAY['unserem Azure AD', 'Microsoft Entra ID', 'Okta',
  'unserem Identity Provider'],
 ARRAY['Single Sign-on mit {s}', 'Automatische Nutzeranlage aus {s}',
  'Rollen aus Gruppen in {s} übernehmen', 'Mobile Anmeldung mit {s}',
  'Zwei-Faktor-Freigabe mit {s}'],
 ARRAY['für alle Tochtergesellschaften', 'inklusive Freigabe-App',
  'per SAML 2.0', 'per OpenID Connect'],
 ARRAY['Unsere IT-Sicherheitsrichtlinie schreibt Single Sign-on für alle externen Webanwendungen vor.',
  'Ausscheidende Mitarbeiter müssen wir heute in jedem Bankportal einzeln deaktivieren.'],
 NULL),
('channels-apis', 'de',
 ARRAY['API-Schlüssel', 'EBICS-Schlüssel', 'Zertifikate',
  'OAuth-Client-Secrets'],
 ARRAY['Selbstverwaltung für {s}', 'Ablaufwarnung für {s}',
  'Audit-Log für {s}', '{s} ohne Ausfallzeit erneuern',
  '{s} je Tochtergesellschaft verwalten'],
 ARRAY['mit Vier-Augen-Prinzip', 'für die Testumgebung',
  'für alle Konzerngesellschaften'],
 ARRAY['Unsere EBICS-Zertifikate laufen jährlich ab, und die Erneuerung ist auf beiden Seiten manuell.',
  'Unsere IT-Sicherheit möchte alle Zugangsdaten alle 90 Tage erneuern.'],
 NULL),
('channels-apis', 'de',
 ARRAY['im Portal', 'in der App', 'in der Freigabe-App'],
 ARRAY['Dark Mode {s}', 'Push-Benachrichtigungen {s}', 'Gespeicherte Filter {s}',
  'Barrierefreiheit nach WCAG 2.1 AA {s}', 'Schnellere Suche {s}',
  'Anpassbare Startseite {s}', 'Favoriten und Tastaturkürzel {s}',
  'Konfigurierbares Dashboard {s}', 'Biometrische Anmeldung {s}',
  'Hilfetexte auf Deutsch und Englisch {s}'],
 ARRAY[]::text[],
 ARRAY['Wir nutzen das Portal mehrmals täglich, meist am Laptop, manchmal am Smartphone.',
  'Die meisten unserer Nutzer brauchen nur drei oder vier Funktionen des Portals.'],
 NULL);

-- Comments clients make about ideas of a family, keyed by the family's
-- first subject.
UPDATE demo_family f SET comments = v.comments FROM (VALUES
('MT940 statements', ARRAY[
 'Would this also cover camt.054 debit notifications?',
 'Please keep supporting `camt.053.001.02` for a while, our ERP is not ready for version 08 yet.',
 'Does this include our accounts in the US (BAI2)?',
 'For us the key point is the `EndToEndId` – without it the matching in {erp} fails.']),
('SEPA Instant payments', ARRAY[
 'Would this also work for SEPA Instant, which runs 24/7?',
 'Please show the cut-off times in our local time zone – we pay from three continents.',
 'For us the key point is the `EndToEndId` – without it the matching in {erp} fails.',
 'Does this also cover payments released via EBICS with a distributed signature?']),
('cash positions', ARRAY[
 'Would this also include our accounts at other banks via MT940?',
 'An alert by e-mail would be enough for us, no need for the app.',
 'Please allow us to group the accounts the way our treasury is organised.']),
('virtual accounts', ARRAY[
 'Would the virtual account number show up in the camt.054 as well?',
 'We would need about {n} new virtual accounts per month.',
 'Please make sure our names for the accounts are visible in the statements.']),
('cash pooling', ARRAY[
 'Does this work for cross-border pools as well?',
 'Our tax department would love an interest statement per entity.',
 'Please include the intercompany balances, our auditors always ask for them.']),
('letters of credit', ARRAY[
 'Would this also work for standby LCs?',
 'Does this cover export LCs advised by other banks?',
 'A copy of every amendment would be essential for us.']),
('bank guarantees', ARRAY[
 'Please include the MT760 text so that our legal team can check the wording.',
 'We would need this for guarantees issued by your branches abroad as well.',
 'Expiry reminders 30 and 7 days before would be perfect.']),
('supply chain finance', ARRAY[
 'Would this also be open to our suppliers in Turkey?',
 'Our suppliers mostly send e-invoices – please support XRechnung and ZUGFeRD.',
 'Real-time limits would help our purchasing team a lot.']),
('bills of lading', ARRAY[
 'Which eBL platforms would you accept?',
 'Our freight forwarder would be happy to join a pilot.',
 'Please keep paper originals as a fallback for countries that do not accept electronic documents.']),
('corporate actions', ARRAY[
 'Would this cover income events as well as mandatory events?',
 'Please send the webhook when an event is *updated*, not only when it is created.',
 'We need the ISIN and the record date in the notification.']),
('proxy voting', ARRAY[
 'Please show deadlines in the market time zone and in ours.',
 'Would this include the meeting agendas in English?',
 'We vote for {n} funds – bulk instructions are a must.']),
('settlement status', ARRAY[
 'Does this also include the CSDR penalty amounts?',
 'We would need the matching status of the counterparty as well.',
 'Intraday would be enough for us, real time is nice to have.']),
('withholding tax reclaims', ARRAY[
 'Does this also include the CSDR penalty amounts?',
 'A breakdown per ISIN would help us a lot with the allocation.',
 'Please include the expected payment date of each reclaim.']),
('FX forwards', ARRAY[
 'Would this also work for NDFs in INR and KRW?',
 'Please include the EMIR UTI, our reporting needs it.',
 'Rollover at the historic rate would be important for our hedge accounting.',
 'For us, partial drawdowns are the key feature.']),
('FX rates', ARRAY[
 'Would be great to see the forward points separately.',
 'Please include the time stamp of each rate.',
 'We would need the rates before 8:00 CET.']),
('currency conversions', ARRAY[
 'Please show the margin separately from the rate.',
 'Would this also work for incoming payments in USD?',
 'Same-day value would be a big plus for our entities in Asia.']),
('FX exposures', ARRAY[
 'Please include the EMIR UTI, our reporting needs it.',
 'An export to {tms} would be ideal.',
 'Our auditors would love this.']),
('our Azure AD', ARRAY[
 'Please support Entra ID groups for role mapping.',
 'Deprovisioning is even more important to us than provisioning.',
 'Would this also cover the approval app on our phones?']),
('API keys', ARRAY[
 'We need `private_key_jwt` – shared secrets are no longer allowed by our security team.',
 'Expiry alerts should go to a shared mailbox, not only to one user.',
 'Please allow overlapping validity so that we can rotate without downtime.']),
('payments API', ARRAY[
 'A sandbox with realistic data would help our developers a lot.',
 'Please publish an OpenAPI spec so that we can generate the client.',
 'Webhooks must be signed, otherwise our firewall team will not approve them.']),
('EBICS', ARRAY[
 'Would this also cover EBICS 3.0?',
 'An alert within 15 minutes of a failed upload would already help.',
 'Please keep the process for the initialisation letter simple.']),
('the portal', ARRAY[
 'Yes please! The current design is hard to read on a laptop screen.',
 'Would be great in the approval app as well.',
 'Our colleagues who use screen readers would really appreciate it.']),
('user rights', ARRAY[
 'Please support Entra ID groups for role mapping.',
 'A CSV export would be enough for our auditors.',
 'Templates for typical roles would save us a lot of time.'])
) v(first_subject, comments)
WHERE f.subjects[1] = v.first_subject;

-- Sentences, list items and comments; area NULL: any area.
CREATE TEMP TABLE demo_text (
	area	text,
	lang	text NOT NULL,
	kind	text NOT NULL,
	items	text[] NOT NULL
) ON COMMIT DROP;

INSERT INTO demo_text VALUES
(NULL, 'de', 'first', ARRAY['Katrin', 'Tom', 'Stefan', 'Anna', 'Jens',
 'Sabine', 'Lukas', 'Julia', 'Markus', 'Claudia', 'Tobias', 'Nicole',
 'Matthias', 'Sandra', 'Florian', 'Birgit', 'Christian', 'Melanie',
 'Sebastian', 'Anja', 'Thomas', 'Jana', 'Michael', 'Kerstin', 'Daniel',
 'Heike', 'Jan', 'Franziska', 'Andreas', 'Svenja', 'Uwe', 'Petra', 'Dirk',
 'Lena', 'Holger', 'Miriam', 'Felix', 'Ute', 'Niklas', 'Carina', 'Jörg',
 'Bärbel', 'Till', 'Maren']),
(NULL, 'en', 'first', ARRAY['James', 'Sophie', 'Priya', 'Mehmet', 'Elena',
 'Marco', 'Ingrid', 'Lars', 'Fatima', 'Wei', 'Yuki', 'Pierre', 'Isabel',
 'Olivia', 'Raj', 'Ana', 'Tomasz', 'Eva', 'Henrik', 'Chloé', 'Daniela',
 'Mateo', 'Aisha', 'Piotr', 'Sanne', 'Luca', 'Grace', 'Noah', 'Camille',
 'Hannah', 'Kenji', 'Zofia', 'Oscar', 'Leila', 'Ethan', 'Marta', 'Sven',
 'Nadia', 'Arjun', 'Emma', 'Mikko', 'Lucía']),

-- Idea bodies: list items per area, for families without their own
('cash-management', 'en', 'bullet', ARRAY[
 'Support for `camt.053.001.08` and `camt.052.001.08`',
 'Delivery via EBICS order type `C53`', 'Filter by account group and currency',
 'Four-eyes approval for changes', 'Export as CSV and XLSX',
 'Structured remittance information passed through unchanged',
 'The `EndToEndId` visible in the transaction details',
 'Configurable cut-off reminders',
 'A notification when a file could not be processed',
 'Access rights per account, not only per customer number']),
('cash-management', 'de', 'bullet', ARRAY[
 'Unterstützung von `camt.053.001.08`', 'Filter nach Kontogruppe und Währung',
 'Vier-Augen-Prinzip bei Änderungen', 'Export als CSV und XLSX',
 'Strukturierter Verwendungszweck unverändert durchgereicht',
 'Benachrichtigung, wenn eine Datei nicht verarbeitet werden konnte',
 'Berechtigungen pro Konto, nicht nur pro Kundennummer']),
('trade-finance', 'en', 'bullet', ARRAY[
 'Current status and next step for each instrument',
 'Expiry date and remaining amount at a glance',
 'Upload of supporting documents as PDF',
 'A copy of the SWIFT message (`MT700`, `MT760`)',
 'Notifications about discrepancies', 'Filter by beneficiary and subsidiary',
 'Fee overview per instrument', 'Export of all open instruments to Excel',
 'Reusable templates with our standard wording']),
('trade-finance', 'de', 'bullet', ARRAY[
 'Aktueller Status und nächster Schritt je Instrument',
 'Laufzeitende und Restbetrag auf einen Blick', 'Upload von Unterlagen als PDF',
 'Kopie der SWIFT-Nachricht (`MT760`)',
 'Filter nach Begünstigtem und Tochtergesellschaft',
 'Gebührenübersicht je Instrument']),
('securities-services', 'en', 'bullet', ARRAY[
 'Event type, ISIN and key dates in one view',
 'The election deadline in our local time zone',
 'ISO 20022 `seev.031` messages as an alternative to `MT564`',
 'Filter by fund and sub-account', 'History for at least 24 months',
 'Penalty amount per failed trade', 'A webhook when an event changes',
 'Export to CSV']),
('securities-services', 'de', 'bullet', ARRAY[
 'Ereignistyp, ISIN und Stichtage in einer Ansicht',
 'Weisungsfrist in unserer Zeitzone', 'Filter nach Fonds und Unterdepot',
 'Historie für mindestens 24 Monate', 'Export als CSV']),
('fx', 'en', 'bullet', ARRAY[
 'Indicative rate before booking', 'Confirmation via API (`MT300` or JSON)',
 'Overview of open deals by maturity', 'Pre-trade limit check',
 'Partial drawdowns for window forwards',
 'The EMIR UTI shown on the confirmation',
 'Settlement instructions from our standing data', 'Export to {tms}']),
('fx', 'de', 'bullet', ARRAY[
 'Indikativer Kurs vor dem Abschluss', 'Bestätigung per API',
 'Übersicht offener Geschäfte nach Fälligkeit', 'Limitprüfung vor dem Handel',
 'Export nach {tms}']),
('channels-apis', 'en', 'bullet', ARRAY[
 'OAuth 2.0 client credentials with `private_key_jwt`',
 'Webhook signatures (HMAC-SHA256)', 'A sandbox with realistic test data',
 'Idempotency via an `Idempotency-Key` header', 'Audit log export',
 'SCIM 2.0 for user provisioning', 'Role mapping from AD groups',
 'Clear error codes and a changelog', 'Rate limits documented per endpoint']),
('channels-apis', 'de', 'bullet', ARRAY[
 'SCIM 2.0 für die Nutzeranlage', 'Rollenzuordnung aus AD-Gruppen',
 'Sandbox mit realistischen Testdaten', 'Export des Audit-Logs',
 'Verständliche Fehlercodes und ein Changelog']),

-- Idea bodies: any area
(NULL, 'en', 'proposal', ARRAY[
 '**Our request:** {title}.',
 'We would therefore like to propose: **{title}**.',
 '**Proposal:** {title}. We would be happy to test a first version.',
 'What we are looking for: *{title}*.']),
(NULL, 'de', 'proposal', ARRAY[
 '**Unser Vorschlag:** {title}.', 'Wir wünschen uns: **{title}**.',
 '**Anregung:** {title}. Gerne testen wir eine erste Version.']),
(NULL, 'en', 'proposal_plain', ARRAY[
 'Could you put this on the roadmap? It would remove a manual step for us.',
 'Ideally this would be part of the standard offering, not a paid add-on.',
 'We believe many clients would benefit from this.',
 'It should work the same way for all our entities and accounts.']),
(NULL, 'de', 'proposal_plain', ARRAY[
 'Könnten Sie das in die Roadmap aufnehmen? Es würde uns einen manuellen Schritt ersparen.',
 'Davon würden sicher viele Kunden profitieren.',
 'Das sollte für alle unsere Gesellschaften und Konten gleich funktionieren.']),
(NULL, 'en', 'bullet_intro', ARRAY['What we need:',
 'Ideally it would include:', 'Must-haves for us:']),
(NULL, 'de', 'bullet_intro', ARRAY['Was wir brauchen:',
 'Idealerweise mit:']),
(NULL, 'en', 'closing', ARRAY[
 'This would save our team roughly {h} hours per month.',
 'Happy to join a call with the product team to walk through our current process.',
 'Several of our subsidiaries have asked for the same.',
 'We would be glad to pilot this.',
 'For us this is a prerequisite for moving more volume to your bank.',
 'Our auditors would appreciate it as well.',
 'Even a simple first version would already help.',
 'Thanks for considering it!',
 'Let us know if you need sample files – we can share anonymised examples.',
 'This is currently the most frequent complaint from our users.',
 '**Priority for us: high.**']),
(NULL, 'de', 'closing', ARRAY[
 'Das würde unserem Team rund {h} Stunden pro Monat sparen.',
 'Gerne stellen wir unseren aktuellen Prozess in einem kurzen Termin vor.',
 'Mehrere unserer Tochtergesellschaften wünschen sich das ebenfalls.',
 'Für einen Pilot stehen wir gerne zur Verfügung.',
 'Schon eine einfache erste Version würde uns helfen.',
 'Vielen Dank fürs Prüfen!', '**Priorität für uns: hoch.**']),

-- Comments by clients
(NULL, 'en', 'comment', ARRAY[
 '+1, we need this for our treasury month-end close.',
 '+1 from our side.',
 'Same here – this would save us a lot of manual work.',
 'We have exactly the same issue in our shared service centre.',
 'Strongly support this. It is one of the main reasons we still use a second bank for this.',
 'Any idea on timing? We are planning our {erp} rollout for next year.',
 'Would be great if this also worked for our subsidiaries outside the EU.',
 'Important for us as well, especially **before year-end**.',
 'We built a workaround with a nightly script, but a proper solution would be much better.',
 'Agreed. Please also think about the approval workflow – four-eyes is mandatory for us.',
 'Could you share whether this is on the roadmap?',
 'Our auditors raised the same point last year.',
 'Happy to be a pilot customer for this.',
 '+1. Ideally with an API as well, not only in the portal.',
 'This would make our life so much easier.',
 'Is there any update on this?',
 'We would need this for around {n} accounts.',
 'Not sure this fits everyone, but for us it would be a big improvement.',
 'Please keep it simple – a CSV export would already cover most of our needs.',
 'Exactly what we asked our relationship manager for last quarter.',
 'Two things matter for us:

- it must work for all our entities
- changes need an audit trail',
 'Voted. Our CFO asked about this in the last treasury committee.']),
(NULL, 'de', 'comment', ARRAY[
 '+1, brauchen wir dringend für den Monatsabschluss.',
 'Geht uns genauso – das würde viel manuelle Arbeit sparen.',
 'Unterstützen wir voll. Gibt es schon einen Zeitplan?',
 'Wäre für uns auch wichtig, vor allem **zum Jahresende**.',
 'Wir behelfen uns mit einem Excel-Makro, aber eine saubere Lösung wäre deutlich besser.',
 'Gerne als Pilotkunde!',
 'Gibt es hierzu einen neuen Stand?',
 'Bitte auch an das Vier-Augen-Prinzip denken.',
 '+1 von uns.']),
-- Comments by the author of the idea
(NULL, 'en', 'reply', ARRAY[
 'Thanks for the support, everyone!',
 'To clarify: we need this for all accounts, not only the EUR ones.',
 'Exactly, that would cover our use case.',
 'Good question – in our case it is about {n} transactions a day.']),
(NULL, 'de', 'reply', ARRAY[
 'Danke für die Unterstützung!',
 'Zur Klarstellung: Wir brauchen das für alle Konten, nicht nur für EUR.',
 'Gute Frage – bei uns sind es etwa {n} Buchungen pro Tag.']),
-- ... once the bank has answered
(NULL, 'en', 'reply_answered', ARRAY[
 '@{pm_first} happy to share sample files if that helps.',
 'Thanks – looking forward to it.',
 'Thanks for the quick answer, {pm_first}!']),
(NULL, 'de', 'reply_answered', ARRAY[
 'Danke für die Rückmeldung!',
 'Danke, {pm_first} – wir freuen uns darauf.']),

-- Comments after the release or the decline
(NULL, 'en', 'comment_released', ARRAY[
 'Works well for us – thanks for delivering this!',
 'Great, we switched last week and it saves us a lot of time.',
 'Thanks! One small wish: an export would be helpful as well.',
 'We tested it – works as described.',
 'Nice. Is it also available in the mobile app?']),
(NULL, 'de', 'comment_released', ARRAY[
 'Funktioniert bei uns gut – danke für die Umsetzung!',
 'Super, wir nutzen es seit letzter Woche.',
 'Danke! Ein kleiner Wunsch: Ein Export wäre noch hilfreich.']),
(NULL, 'en', 'comment_declined', ARRAY[
 'Pity. Please reconsider – it is still relevant for us.',
 'Understood, thanks for the transparent answer.',
 'Would a smaller version be possible, for example only for EUR accounts?']),
(NULL, 'de', 'comment_declined', ARRAY[
 'Schade. Für uns bleibt das Thema relevant.',
 'Verstanden, danke für die offene Antwort.']),
(NULL, 'en', 'staff_after', ARRAY[
 'Thanks for the feedback – we have passed it on to the team.',
 'Good to hear! We will look into this in one of the next releases.']),
(NULL, 'de', 'staff_after', ARRAY[
 'Danke für die Rückmeldung – wir geben das an das Team weiter.']),

-- Comments by product managers after their first answer
(NULL, 'en', 'staff', ARRAY[
 'Thanks for the input. Could you tell us roughly how many accounts this would concern?',
 'Good point – we have added this to the requirements.',
 'We are collecting feedback on this topic. Feel free to add your use case below.',
 'Quick update: our developers are looking at the technical options.',
 'Thanks for the detailed description, this helps a lot.',
 'Noted. We will cover this in the next client advisory board.']),
(NULL, 'de', 'staff', ARRAY[
 'Danke für den Hinweis – wir nehmen das in die Anforderungen auf.',
 'Könnten Sie kurz beschreiben, wie viele Konten betroffen wären?',
 'Kurzes Update: Unsere Entwicklung prüft gerade die technischen Optionen.']),

-- The first answer of the bank, by status
(NULL, 'en', 'resp_under_review', ARRAY[
 'Thanks for the idea, {first}! Our {area} team is looking into it and will come back with an assessment.',
 'Thank you – we are reviewing this together with similar requests from other clients.']),
(NULL, 'de', 'resp_under_review', ARRAY[
 'Danke für die Idee, {first}! Unser Team {area} prüft das und meldet sich mit einer Einschätzung.']),
(NULL, 'en', 'resp_planned', ARRAY[
 'Good news: this is planned for **{quarter}**. We will post an update here once we have a release date.',
 'We have put this on the {area} roadmap for {quarter}. Thanks to everyone who voted.']),
(NULL, 'de', 'resp_planned', ARRAY[
 'Gute Nachricht: Das ist für **{quarter}** eingeplant. Wir melden uns hier, sobald der Termin feststeht.']),
(NULL, 'en', 'resp_in_progress', ARRAY[
 'We have started working on this. A pilot with selected clients is planned for {quarter} – comment below if you would like to take part.',
 'Development has started. First results will be available in our test environment soon.']),
(NULL, 'de', 'resp_in_progress', ARRAY[
 'Wir haben mit der Umsetzung begonnen. Ein Pilot mit ausgewählten Kunden ist für {quarter} geplant.']),
(NULL, 'en', 'resp_released', ARRAY[
 'This is now live! You will find it under **{menu}**. Thanks to everyone who voted and commented.',
 'Released with the latest portal update (see **{menu}**). Please let us know how it works for you.']),
(NULL, 'de', 'resp_released', ARRAY[
 'Ist jetzt live – zu finden unter **{menu}**. Danke an alle, die abgestimmt haben!']),
(NULL, 'en', 'resp_declined', ARRAY[
 'Thank you for the suggestion. After careful review we have decided not to pursue this for now, mainly because of regulatory constraints. The idea stays visible for comments.',
 'Thanks for raising this. For the time being it does not fit our roadmap; we will revisit it next year.']),
(NULL, 'de', 'resp_declined', ARRAY[
 'Vielen Dank für den Vorschlag. Nach eingehender Prüfung werden wir das vorerst nicht umsetzen.']),

('cash-management', 'en', 'menu', ARRAY['Accounts › Statements',
 'Payments › Bulk uploads', 'Liquidity › Cash pool']),
('cash-management', 'de', 'menu', ARRAY['Konten › Auszüge',
 'Zahlungen › Sammeldateien', 'Liquidität › Cash-Pool']),
('trade-finance', 'en', 'menu', ARRAY['Trade › Guarantees',
 'Trade › Letters of credit']),
('trade-finance', 'de', 'menu', ARRAY['Trade › Avale', 'Trade › Akkreditive']),
('securities-services', 'en', 'menu', ARRAY['Custody › Corporate actions',
 'Custody › Settlement']),
('securities-services', 'de', 'menu', ARRAY['Verwahrung › Kapitalmaßnahmen',
 'Verwahrung › Abwicklung']),
('fx', 'en', 'menu', ARRAY['FX › Trades', 'FX › Rates']),
('fx', 'de', 'menu', ARRAY['Devisen › Geschäfte', 'Devisen › Kurse']),
('channels-apis', 'en', 'menu', ARRAY['Settings › API access',
 'Settings › Users']),
('channels-apis', 'de', 'menu', ARRAY['Einstellungen › API-Zugang',
 'Einstellungen › Nutzer']);

-- ---------------------------------------------------------------------------
-- Helpers (temporary, gone with the session)
-- ---------------------------------------------------------------------------

-- The data is made as of this moment, so that it is the same every time,
-- and moved by shift(): the whole days from there to now (less an hour, so
-- that a change of summer time never puts anything in the future).
CREATE FUNCTION pg_temp.vnow() RETURNS timestamptz
LANGUAGE sql IMMUTABLE AS $$
	SELECT timestamptz '2025-06-27 16:30:00+02'
$$;

CREATE FUNCTION pg_temp.shift() RETURNS interval
LANGUAGE sql STABLE AS $$
	SELECT make_interval(days => floor((extract(epoch FROM now() -
	    pg_temp.vnow()) - 3600) / 86400)::integer)
$$;

CREATE FUNCTION pg_temp.t(p_kind text, p_area text, p_lang text)
RETURNS text[] LANGUAGE sql STABLE AS $$
	SELECT items FROM pg_temp.demo_text
	    WHERE kind = p_kind AND area IS NOT DISTINCT FROM p_area
	    AND lang = p_lang
$$;

-- One element of a, at random; NULL for an empty array.
CREATE FUNCTION pg_temp.pick(a text[]) RETURNS text
LANGUAGE sql VOLATILE AS $$
	SELECT a[1 + floor(random() * cardinality(a))::integer]
$$;

-- n distinct elements of a in random order, joined by sep.
CREATE FUNCTION pg_temp.pick_n(a text[], n integer, sep text) RETURNS text
LANGUAGE sql VOLATILE AS $$
	SELECT string_agg(x, sep) FROM (SELECT x FROM unnest(a) x
	    ORDER BY random() LIMIT n) s
$$;

CREATE FUNCTION pg_temp.ucfirst(s text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN s ~ '^(camt|pain|pacs)' THEN s
	    ELSE upper(left(s, 1)) || substr(s, 2) END
$$;

-- Fills the placeholders of a text with plausible values.
CREATE FUNCTION pg_temp.fill(s text) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
	s := replace(s, '{n}', (4 + floor(random() * 57))::integer::text);
	s := replace(s, '{h}', (3 + floor(random() * 38))::integer::text);
	IF position('{erp}' IN s) > 0 THEN
		s := replace(s, '{erp}', pg_temp.pick(ARRAY['SAP S/4HANA',
		    'SAP ECC', 'Oracle NetSuite', 'Microsoft Dynamics 365',
		    'Infor LN']));
	END IF;
	IF position('{tms}' IN s) > 0 THEN
		s := replace(s, '{tms}', pg_temp.pick(ARRAY['Kyriba', 'SAP TRM',
		    'FIS Quantum', 'ION Wallstreet Suite', 'Coupa Treasury']));
	END IF;
	IF position('{cty}' IN s) > 0 THEN
		s := replace(s, '{cty}', pg_temp.pick(ARRAY['Poland',
		    'the Czech Republic', 'Singapore', 'the US', 'Mexico', 'China',
		    'India', 'the UK', 'Brazil', 'Turkey']));
	END IF;
	IF position('{land}' IN s) > 0 THEN
		s := replace(s, '{land}', pg_temp.pick(ARRAY['Polen',
		    'Tschechien', 'Singapur', 'den USA', 'Mexiko', 'China',
		    'Indien', 'Großbritannien', 'Österreich', 'der Schweiz']));
	END IF;
	RETURN s;
END
$$;

-- A moment in office hours (Berlin time, 7:30 to 18:30, mostly around
-- midday) of the day of t, within [lo, hi]: people propose, vote and
-- comment mostly at work.
CREATE FUNCTION pg_temp.office(t timestamptz, lo timestamptz, hi timestamptz)
RETURNS timestamptz LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	u1 double precision := random();
	u2 double precision := random();
	u3 double precision := random();
	r timestamptz;
BEGIN
	IF hi <= lo THEN
		RETURN hi;
	END IF;
	r := (date_trunc('day', t AT TIME ZONE 'Europe/Berlin') +
	    make_interval(secs => 3600 * (7.5 + 5.5 * (u1 + u2))))
	    AT TIME ZONE 'Europe/Berlin';
	IF r < lo OR r > hi THEN
		r := lo + (hi - lo) * u3;
	END IF;
	RETURN r;
END
$$;

-- A title of a family of the area and language: (family, subject, title).
CREATE FUNCTION pg_temp.make_title(p_area text, p_lang text,
    OUT fam integer, OUT subject text, OUT title text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	f record;
	base text;
	q text;
	w text;
BEGIN
	SELECT * INTO f FROM pg_temp.demo_family
	    WHERE area = p_area AND lang = p_lang
	    ORDER BY -ln(1 - random()) / sqrt(cardinality(subjects) *
	    cardinality(templates))
	    LIMIT 1;
	fam := f.fam;
	subject := pg_temp.pick(f.subjects);
	base := pg_temp.ucfirst(replace(pg_temp.pick(f.templates), '{s}',
	    subject));
	-- (German: none after a verb at the end, "... abrufen".)
	IF random() < 0.55 AND base !~ ' [a-zäöüß]+en$' THEN
		q := pg_temp.pick(f.qualifiers);
	END IF;
	IF q IS NOT NULL THEN
		w := split_part(q, ' ', 1);
		IF (w IN ('via', 'per', 'über', 'in', 'im', 'with', 'mit',
		    'including', 'inklusive', 'across') AND
		    base ~* ('\m' || w || '\M')) OR
		    position(lower(q) IN lower(base)) > 0 OR
		    (q ~* 'portal' AND base ~* 'portal') OR
		    (q ~* 'API' AND base ~* 'API') OR
		    EXISTS (SELECT 1 FROM regexp_split_to_table(lower(q),
			'[^[:alnum:]äöüß-]+') x
			WHERE char_length(x) >= 6
			AND lower(base) ~ ('\m' || x || '\M'))
		THEN
			q := NULL;
		END IF;
	END IF;
	title := base || coalesce(' ' || q, '');
	IF char_length(title) > 120 THEN
		title := base;
	END IF;
END
$$;

-- The Markdown body of an idea: 2-4 paragraphs, sometimes a list or
-- headings.
CREATE FUNCTION pg_temp.idea_body(p_fam integer, p_title text)
RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	f record;
	ctx text;
	prop text;
	plain text;
	bul text;
	clo text;
	r double precision := random();
	parts text[];
BEGIN
	SELECT * INTO f FROM pg_temp.demo_family WHERE fam = p_fam;
	ctx := pg_temp.pick_n(f.context, 1 + (random() < 0.55)::integer, ' ');
	prop := replace(pg_temp.pick(pg_temp.t('proposal', NULL, f.lang)),
	    '{title}', p_title);
	plain := pg_temp.pick(pg_temp.t('proposal_plain', NULL, f.lang));
	bul := '- ' || pg_temp.pick_n(coalesce(f.bullets,
	    pg_temp.t('bullet', f.area, f.lang)),
	    2 + floor(random() * 3)::integer, E'\n- ');
	clo := pg_temp.pick_n(pg_temp.t('closing', NULL, f.lang),
	    1 + (random() < 0.3)::integer, ' ');
	IF r < 0.35 THEN
		parts := ARRAY[ctx, CASE WHEN random() < 0.5 THEN prop
		    ELSE plain END, clo];
	ELSIF r < 0.65 THEN
		parts := ARRAY[ctx, CASE WHEN random() < 0.5 THEN prop
		    ELSE plain END || ' ' ||
		    pg_temp.pick(pg_temp.t('bullet_intro', NULL, f.lang)),
		    bul, clo];
	ELSIF r < 0.80 THEN
		parts := ARRAY[CASE f.lang WHEN 'de' THEN '### Hintergrund'
		    ELSE '### Background' END, ctx,
		    CASE f.lang WHEN 'de' THEN '### Vorschlag'
		    ELSE '### Proposal' END, prop, bul];
	ELSE
		parts := ARRAY[prop, ctx, plain || ' ' || clo];
	END IF;
	RETURN pg_temp.fill(array_to_string(parts, E'\n\n'));
END
$$;

-- ---------------------------------------------------------------------------
-- Organisations
-- ---------------------------------------------------------------------------

CREATE TEMP TABLE demo_org ON COMMIT DROP AS
SELECT v.n, v.name, v.size, v.german, NULL::bigint AS id,
    pg_temp.vnow() - make_interval(secs => 86400 * CASE WHEN v.n <= 24
	THEN 575 + 30 * r.r1 ELSE 90 + 450 * r.r1 END) AS onboard,
    0.4 + 1.6 * r.r2 AS activity
FROM (VALUES
	(1, 'Hanseatic Logistics GmbH', 22, true),
	(2, 'Nordwind Energy AG', 20, true),
	(3, 'Alpine Pharma Holding', 19, true),
	(4, 'Rheinstahl Components GmbH', 17, true),
	(5, 'Merrow Foods International', 15, false),
	(6, 'Bavaria Mobility Systems AG', 13, true),
	(7, 'Tern & Castle Shipping Ltd', 12, false),
	(8, 'Lumisil Semiconductor B.V.', 11, false),
	(9, 'Elbtal Chemie GmbH & Co. KG', 10, true),
	(10, 'Skogheim Timber AB', 9, false),
	(11, 'Kestrel Aerospace plc', 8, false),
	(12, 'Westfalia Agrar eG', 8, true),
	(13, 'Porto Verde Beverages S.A.', 7, false),
	(14, 'Schwarzwald Medizintechnik GmbH', 7, true),
	(15, 'Atlas Retail Group', 7, false),
	(16, 'Mainfranken Bau AG', 6, true),
	(17, 'Orbis Telecom Services', 6, false),
	(18, 'Isar Software Solutions GmbH', 6, true),
	(19, 'Cormorant Textiles Ltd', 6, false),
	(20, 'Lago Maggiore Hospitality S.p.A.', 6, false),
	(21, 'Spreewald Naturkost GmbH', 5, true),
	(22, 'Pacific Lantern Electronics Pte. Ltd.', 5, false),
	(23, 'Donau Kunststofftechnik GmbH', 5, true),
	(24, 'Jura Precision Instruments AG', 5, true),
	(25, 'Baltic Amber Trading OÜ', 4, false),
	(26, 'Ostsee Windpark Betriebs GmbH', 4, true),
	(27, 'Fjordvik Aquaculture ASA', 4, false),
	(28, 'Vistula Automotive Parts Sp. z o.o.', 4, false),
	(29, 'Weserland Papier AG', 4, true),
	(30, 'Sol de Almería Solar S.L.', 4, false),
	(31, 'Bergisch Werkzeugbau GmbH', 4, true),
	(32, 'Prairie Crest Agritech Inc.', 3, false),
	(33, 'Harzquell Getränke GmbH', 3, true),
	(34, 'Danube Freight Kft.', 3, false),
	(35, 'Kranich Pharma Distribution GmbH', 3, true),
	(36, 'Aurora Fintech Labs Oy', 3, false),
	(37, 'Saale Glaswerke GmbH', 3, true),
	(38, 'Halcyon Shore Hotels', 3, false),
	(39, 'Eifel Landmaschinen KG', 3, true),
	(40, 'Ironbark Mining Services Pty Ltd', 3, false)
) v(n, name, size, german)
JOIN (SELECT g AS n, random() AS r1, random() AS r2
    FROM generate_series(1, 40) g) r USING (n);

-- The demo client's organisation was there from the start.
UPDATE demo_org SET onboard = pg_temp.vnow() - interval '604 days',
    activity = 1.5 WHERE n = 1;

INSERT INTO organizations (name, created_at)
SELECT name, onboard + pg_temp.shift() FROM demo_org ORDER BY onboard
ON CONFLICT ((lower(name))) DO NOTHING;

UPDATE demo_org d SET id = o.id FROM organizations o
    WHERE lower(o.name) = lower(d.name);

-- ---------------------------------------------------------------------------
-- People
-- ---------------------------------------------------------------------------

CREATE TEMP TABLE demo_user (
	id		bigint,
	email		text NOT NULL,
	display_name	text,
	role		text NOT NULL,
	client_no	integer,
	staff_no	integer,
	org_n		integer,
	org_id		bigint,
	lang		text,
	created_at	timestamptz,
	last_sign_in_at	timestamptz,
	email_notifications boolean DEFAULT true,
	active		boolean DEFAULT true,
	w		double precision,
	w_lo		double precision,
	w_hi		double precision
) ON COMMIT DROP;

INSERT INTO demo_user (email, display_name, role, staff_no, lang, created_at)
SELECT v.email, v.name, v.role, v.no, v.lang,
    pg_temp.vnow() - make_interval(days => v.days, hours => v.no)
FROM (VALUES
	('admin1@example.test', 'Sabine Wolff', 'admin', 1, 'de', 660),
	('admin2@example.test', 'Thomas Richter', 'admin', 2, 'de', 650),
	('pm1@example.test', 'Julia Brandt', 'pm', 1, 'de', 655),
	('pm2@example.test', 'Martin Kessler', 'pm', 2, 'de', 655),
	('pm3@example.test', 'Aylin Demir', 'pm', 3, 'en', 655),
	('pm4@example.test', 'Robert Hartmann', 'pm', 4, 'de', 654),
	('pm5@example.test', 'Sophie Lindqvist', 'pm', 5, 'en', 654),
	('pm6@example.test', 'Daniel Okafor', 'pm', 6, 'en', 654),
	('pm7@example.test', 'Christina Vogel', 'pm', 7, 'de', 640),
	('pm8@example.test', 'Felix Bauer', 'pm', 8, NULL, 575)
) v(email, name, role, no, lang, days);

WITH o AS (
	SELECT n, id, german, onboard, size,
	    sum(size) OVER (ORDER BY n) AS hi
	FROM demo_org
), b AS (
	SELECT g, random() AS r1, random() AS r2, random() AS r3,
	    random() AS r4, random() AS r5
	FROM generate_series(1, 290) g
)
INSERT INTO demo_user (email, display_name, role, client_no, org_n, org_id,
    lang, created_at)
SELECT format('client%s@example.test', lpad(b.g::text, 3, '0')),
    CASE WHEN o.german AND b.r1 < 0.75
	THEN pg_temp.pick(pg_temp.t('first', NULL, 'de'))
	ELSE pg_temp.pick(pg_temp.t('first', NULL, 'en')) END || ' ' ||
	substr('ABCDEFGHIJKLMNOPRSTUVWZ', 1 + floor(b.r5 * 23)::integer, 1)
	|| '.',
    'client', b.g, o.n, o.id,
    CASE WHEN o.german THEN
	CASE WHEN b.r2 < 0.6 THEN 'de' WHEN b.r2 < 0.85 THEN 'en' END
    ELSE
	CASE WHEN b.r2 < 0.08 THEN 'de' WHEN b.r2 < 0.7 THEN 'en' END
    END,
    least(pg_temp.vnow() - interval '20 days', CASE WHEN b.r3 < 0.85
	THEN o.onboard + make_interval(secs => 86400 * 30 * b.r4 ^ 2)
	ELSE o.onboard + (pg_temp.vnow() - interval '20 days' - o.onboard) *
	    b.r4 END)
FROM b JOIN o ON b.g > o.hi - o.size AND b.g <= o.hi;

-- The demo client: Hanseatic Logistics, from the first day, a keen author.
UPDATE demo_user SET display_name = 'Katrin M.', lang = 'de',
    created_at = (SELECT onboard FROM demo_org WHERE n = 1) +
    interval '2 hours'
    WHERE client_no = 1;

UPDATE demo_user SET
    created_at = pg_temp.office(created_at, created_at - interval '1 day',
	least(pg_temp.vnow() - interval '19 days',
	created_at + interval '1 day')),
    email_notifications = random() < 0.88
    WHERE role = 'client';
UPDATE demo_user SET last_sign_in_at = pg_temp.office(greatest(created_at,
    pg_temp.vnow() - make_interval(secs => 86400 * 120 * random() ^ 2.5)),
    created_at, pg_temp.vnow() - interval '10 minutes');
UPDATE demo_user SET last_sign_in_at = pg_temp.vnow() - interval '2 hours'
    WHERE client_no = 1 OR email IN ('pm1@example.test', 'admin1@example.test');
UPDATE demo_user SET active = false WHERE client_no IN (57, 133, 241);

-- How much each client writes: a few write a lot.
UPDATE demo_user u SET w = CASE WHEN u.client_no = 1 THEN 0.5
    ELSE (0.03 + random() ^ 3) * o.activity END
    FROM demo_org o WHERE o.n = u.org_n;
WITH c AS (SELECT client_no, sum(w) OVER (ORDER BY client_no) AS hi
    FROM demo_user WHERE role = 'client')
UPDATE demo_user u SET w_hi = c.hi FROM c WHERE c.client_no = u.client_no;
WITH c AS (SELECT client_no, coalesce(lag(w_hi) OVER (ORDER BY client_no), 0)
    AS lo FROM demo_user WHERE role = 'client')
UPDATE demo_user u SET w_lo = c.lo FROM c WHERE c.client_no = u.client_no;

INSERT INTO users (email, display_name, role, organization_id, password_hash,
    lang, email_notifications, active, created_at, last_sign_in_at)
SELECT email, display_name, role, org_id,
    '$argon2id$v=19$m=19456,t=2,p=1$MUVuOUh4cW5MOEJMcWZvdQ$gAI0yCtjsQafSf4rDtnUPTabSVYOKS4W6vBgMk6q7Hg',
    lang, email_notifications, active, created_at + pg_temp.shift(),
    last_sign_in_at + pg_temp.shift()
FROM demo_user ORDER BY created_at, staff_no, client_no;

UPDATE demo_user d SET id = u.id FROM users u
    WHERE lower(u.email) = lower(d.email);

-- The invitations they came in with, and a few still open.
INSERT INTO invitations (token_hash, email, role, organization_id, issued_by,
    created_at, expires_at, redeemed_at, redeemed_by)
SELECT sha256(convert_to(u.email || random()::text || clock_timestamp()::text,
	'UTF8')),
    u.email, u.role, u.org_id,
    CASE WHEN u.email = 'admin1@example.test' THEN NULL
	WHEN u.role <> 'client' THEN (SELECT id FROM demo_user
	    WHERE email = 'admin1@example.test')
	ELSE (SELECT id FROM demo_user WHERE email = CASE
	    WHEN u.r < 0.5 THEN 'admin1@example.test'
	    WHEN u.r < 0.7 THEN 'admin2@example.test'
	    ELSE 'pm' || (1 + floor(u.r * 70)::integer % 7) || '@example.test'
	    END) END,
    u.created_at - u.lag + pg_temp.shift(),
    u.created_at - u.lag + interval '7 days' + pg_temp.shift(),
    u.created_at + pg_temp.shift(), u.id
FROM (SELECT *, random() AS r,
	make_interval(secs => 3600 + 86400 * 3 * random()) AS lag
    FROM demo_user) u
ORDER BY u.created_at - u.lag;

INSERT INTO invitations (token_hash, email, role, organization_id, issued_by,
    created_at, expires_at, revoked_at, revoked_by)
SELECT sha256(convert_to(v.email || random()::text || clock_timestamp()::text,
	'UTF8')),
    v.email, v.role, o.id, s.id,
    now() - make_interval(hours => v.hours_ago),
    now() - make_interval(hours => v.hours_ago) + interval '7 days',
    CASE WHEN v.revoked THEN now() - make_interval(hours => v.hours_ago)
	+ interval '3 hours' END,
    CASE WHEN v.revoked THEN s.id END
FROM (VALUES
	('invitee1@example.test', 'client', 3, 'admin1@example.test', 30, false),
	('invitee2@example.test', 'client', 7, 'pm3@example.test', 52, false),
	('invitee3@example.test', 'client', 12, 'admin2@example.test', 100, false),
	('invitee4@example.test', 'client', 33, 'admin1@example.test', 5, false),
	('invitee5@example.test', 'client', 18, 'pm6@example.test', 700, false),
	('invitee6@example.test', 'client', 25, 'admin1@example.test', 950, false),
	('invitee7@example.test', 'client', 2, 'admin1@example.test', 400, true),
	('pm9@example.test', 'pm', NULL, 'admin1@example.test', 20, false)
) v(email, role, org_n, issuer, hours_ago, revoked)
LEFT JOIN demo_org o ON o.n = v.org_n
JOIN demo_user s ON s.email = v.issuer
ORDER BY 6;

-- ---------------------------------------------------------------------------
-- Ideas
-- ---------------------------------------------------------------------------

CREATE TEMP TABLE demo_area ON COMMIT DROP AS
SELECT a.id, a.slug, a.name_en, a.name_de, v.lo, v.hi, v.pms
FROM areas a JOIN (VALUES
	('cash-management', 0.00, 0.30, ARRAY[1, 2, 8]),
	('trade-finance', 0.30, 0.48, ARRAY[3]),
	('securities-services', 0.48, 0.63, ARRAY[4]),
	('fx', 0.63, 0.78, ARRAY[5]),
	('channels-apis', 0.78, 1.00, ARRAY[6, 7, 8])
) v(slug, lo, hi, pms) USING (slug);

CREATE TEMP TABLE demo_idea ON COMMIT DROP AS
WITH b AS (
	SELECT g AS n, random() AS ra, random() AS rw, random() AS rl,
	    random() AS rt, random() AS rp
	FROM generate_series(1, 2000) g
), tot AS (
	SELECT max(w_hi) AS w FROM demo_user WHERE role = 'client'
)
SELECT b.n, a.id AS area_id, a.slug AS area, u.id AS author_id,
    u.org_id AS author_org,
    CASE WHEN u.lang = 'de' THEN CASE WHEN b.rl < 0.3 THEN 'de' ELSE 'en' END
	WHEN u.lang IS NULL AND o.german AND b.rl < 0.12 THEN 'de'
	WHEN b.rl < 0.02 THEN 'de' ELSE 'en' END AS lang,
    pg_temp.office(s.start + (pg_temp.vnow() - interval '1 hour' -
	s.start) * b.rt ^ 0.75, s.start, pg_temp.vnow() - interval '30 minutes')
	AS created_at,
    (SELECT p.id FROM demo_user p WHERE p.role = 'pm' AND
	p.staff_no = a.pms[1 + floor(b.rp * cardinality(a.pms))::integer])
	AS pm_id,
    NULL::text AS status, NULL::timestamptz AS first_response_at,
    NULL::timestamptz AS updated_at, NULL::text[] AS path,
    NULL::integer AS fam,
    NULL::text AS subject,
    NULL::text AS title, NULL::text AS body, NULL::bigint AS id,
    NULL::timestamptz AS vote_end, NULL::bigint AS vote_rank,
    NULL::integer AS target, false AS trending, 0 AS n_comments
FROM b CROSS JOIN tot
JOIN demo_area a ON b.ra >= a.lo AND b.ra < a.hi
JOIN demo_user u ON u.role = 'client' AND b.rw * tot.w >= u.w_lo
    AND b.rw * tot.w < u.w_hi
JOIN demo_org o ON o.n = u.org_n
CROSS JOIN LATERAL (SELECT greatest(u.created_at + interval '2 days',
    pg_temp.vnow() - interval '548 days') AS start) s;

-- Status: young ideas mostly new, the answered ones mostly older; about
-- 60/15/10/7/5/3 % new/under_review/planned/in_progress/released/declined.
WITH k AS (
	SELECT n, random() AS r1, random() AS r2,
	    extract(epoch FROM pg_temp.vnow() - created_at) / 86400 AS age
	FROM demo_idea
), d AS (
	SELECT n, r1 < 0.031 AND age > 10 AS declined,
	    0.65 * r2 + 0.35 * least(age / 548, 1) AS key
	FROM k
), r AS (
	SELECT n, declined,
	    percent_rank() OVER (PARTITION BY declined ORDER BY key) AS p
	FROM d
)
UPDATE demo_idea i SET status = CASE
	WHEN r.declined THEN 'declined'
	WHEN r.p < 0.619 THEN 'new'
	WHEN r.p < 0.774 THEN 'under_review'
	WHEN r.p < 0.877 THEN 'planned'
	WHEN r.p < 0.949 THEN 'in_progress'
	ELSE 'released' END
FROM r WHERE r.n = i.n;

UPDATE demo_idea SET first_response_at = pg_temp.office(created_at +
    least(make_interval(secs => 86400 * (1 + 25 * random() ^ 2)),
    (pg_temp.vnow() - created_at) * 0.6), created_at + interval '1 hour',
    pg_temp.vnow() - interval '10 minutes')
    WHERE status <> 'new';

-- The way each answered idea came to its status: one official response
-- per step, the first at first_response_at, the last at updated_at.
UPDATE demo_idea i SET path = CASE i.status
	WHEN 'under_review' THEN ARRAY['under_review']
	WHEN 'planned' THEN CASE WHEN x.r < 0.6 THEN ARRAY['planned']
	    ELSE ARRAY['under_review', 'planned'] END
	WHEN 'in_progress' THEN CASE
	    WHEN x.r < 0.3 THEN ARRAY['under_review', 'in_progress']
	    WHEN x.r < 0.7 THEN ARRAY['planned', 'in_progress']
	    ELSE ARRAY['under_review', 'planned', 'in_progress'] END
	WHEN 'released' THEN CASE
	    WHEN x.r < 0.2 THEN ARRAY['under_review', 'released']
	    WHEN x.r < 0.5 THEN ARRAY['planned', 'released']
	    WHEN x.r < 0.8 THEN ARRAY['planned', 'in_progress', 'released']
	    ELSE ARRAY['under_review', 'planned', 'in_progress', 'released'] END
	WHEN 'declined' THEN CASE WHEN x.r < 0.5 THEN ARRAY['declined']
	    ELSE ARRAY['under_review', 'declined'] END
	END
FROM (SELECT n, random() AS r FROM demo_idea) x WHERE x.n = i.n;

-- Only the author's edits (before any answer) and the bank's responses
-- change updated_at.
UPDATE demo_idea SET updated_at = CASE
	WHEN status = 'new' THEN CASE WHEN random() < 0.15 THEN created_at +
	    least(interval '2 days', (pg_temp.vnow() - created_at) * 0.3) *
	    random() ELSE created_at END
	WHEN cardinality(path) = 1 THEN first_response_at
	WHEN status = 'declined' THEN pg_temp.office(first_response_at +
	    (pg_temp.vnow() - first_response_at) * (0.05 + 0.25 * random()),
	    first_response_at + interval '1 hour',
	    pg_temp.vnow() - interval '5 minutes')
	ELSE pg_temp.office(first_response_at +
	    (pg_temp.vnow() - first_response_at) * (0.2 + 0.7 * random()),
	    first_response_at + interval '1 hour',
	    pg_temp.vnow() - interval '5 minutes') END;

-- Titles, rarely the same twice: duplicates are drawn again.
UPDATE demo_idea SET (fam, subject, title) =
    (SELECT s.fam, s.subject, s.title FROM pg_temp.make_title(area, lang) s);

DO $$
DECLARE
	dup bigint;
BEGIN
	FOR round IN 1..30 LOOP
		UPDATE demo_idea SET (fam, subject, title) =
		    (SELECT s.fam, s.subject, s.title
		    FROM pg_temp.make_title(area, lang) s)
		WHERE n IN (SELECT n FROM (SELECT n, row_number() OVER
		    (PARTITION BY lower(title) ORDER BY n) AS k
		    FROM demo_idea) x WHERE k > 1);
		GET DIAGNOSTICS dup = ROW_COUNT;
		EXIT WHEN dup = 0;
	END LOOP;
END
$$;

UPDATE demo_idea SET body = pg_temp.idea_body(fam, title);

-- Ids in the order of creation, as if proposed one after the other.
WITH s AS (
	SELECT n, nextval(pg_get_serial_sequence('ideas', 'id')) AS id
	FROM (SELECT n FROM demo_idea ORDER BY created_at, n) o
)
UPDATE demo_idea i SET id = s.id FROM s WHERE s.n = i.n;

INSERT INTO ideas (id, author_id, area_id, title, body, status,
    first_response_at, created_at, updated_at)
SELECT id, author_id, area_id, title, body, status,
    first_response_at + pg_temp.shift(), created_at + pg_temp.shift(),
    updated_at + pg_temp.shift()
FROM demo_idea ORDER BY id;

-- ---------------------------------------------------------------------------
-- Votes
-- ---------------------------------------------------------------------------

-- Votes close with the release or the decline.
UPDATE demo_idea SET vote_end = CASE WHEN status IN ('released', 'declined')
    THEN updated_at ELSE pg_temp.vnow() END;

-- Popularity rank: answered ideas were more often popular ones, ideas in
-- German reach fewer clients, and young ideas have not had the time.
WITH k AS (
	SELECT n, -ln(1 - random()) / (CASE status
	    WHEN 'planned' THEN 5 WHEN 'in_progress' THEN 5
	    WHEN 'released' THEN 4 WHEN 'under_review' THEN 2.5 ELSE 1 END *
	    CASE lang WHEN 'de' THEN 0.5 ELSE 1 END *
	    least(1.0, 0.1 + extract(epoch FROM vote_end - created_at) /
	    86400 / 120)) AS key
	FROM demo_idea
)
UPDATE demo_idea i SET vote_rank = r.rank
FROM (SELECT n, row_number() OVER (ORDER BY key, n) AS rank FROM k) r
WHERE r.n = i.n;

-- Zipf-like: a few ideas with 150+ votes, a handful for the median.
UPDATE demo_idea SET target = least(285, floor(1033.0 /
    power(vote_rank + 3, 0.934) * (0.75 + 0.5 * random()) +
    6 * random() ^ 1.3)::integer,
    1 + floor(extract(epoch FROM vote_end - created_at) / 86400 * 4)::integer);

-- Trending: some older ideas that are gaining votes right now.
UPDATE demo_idea SET trending = true,
    target = least(285, floor(target * 1.6 + 8)::integer)
    WHERE status IN ('new', 'under_review', 'planned', 'in_progress')
    AND created_at < pg_temp.vnow() - interval '30 days'
    AND vote_rank BETWEEN 8 AND 500 AND random() < 0.06;

-- Voters: weighted sampling without replacement (key = u^(1/w)); active
-- organisations and the author's colleagues vote more.
CREATE TEMP TABLE demo_vote ON COMMIT DROP AS
WITH cand AS (
	SELECT i.id AS idea_id, i.target, i.trending, i.created_at AS idea_at,
	    i.vote_end, u.id AS user_id, u.created_at AS user_at,
	    power(random(), 1.0 / (o.activity *
		CASE WHEN u.org_id = i.author_org THEN 4 ELSE 1 END)) AS key
	FROM demo_idea i
	JOIN demo_user u ON u.role = 'client'
	    AND u.created_at < i.vote_end - interval '1 hour'
	JOIN demo_org o ON o.n = u.org_n
	WHERE i.target > 0
), pick AS (
	SELECT *, row_number() OVER (PARTITION BY idea_id
	    ORDER BY key DESC, user_id) AS k
	FROM cand
)
SELECT idea_id, user_id, trending,
    greatest(idea_at, user_at) + interval '5 minutes' AS lo,
    vote_end AS hi, random() AS r1, random() AS r2
FROM pick WHERE k <= target;

-- Most votes come soon after an idea appears; those of trending ideas come
-- largely in the last 14 days.
INSERT INTO votes (idea_id, user_id, created_at)
SELECT idea_id, user_id, pg_temp.office(CASE
	WHEN trending AND r1 < 0.6 THEN greatest(lo, pg_temp.vnow() -
	    interval '14 days') + (hi - greatest(lo, pg_temp.vnow() -
	    interval '14 days')) * r2
	ELSE lo + (hi - lo) * r2 ^ 2.2 END, lo, hi) + pg_temp.shift()
FROM demo_vote ORDER BY idea_id, user_id;

INSERT INTO idea_organization_votes (idea_id, organization_id, votes)
SELECT v.idea_id, u.organization_id, count(*)
FROM votes v
JOIN users u ON u.id = v.user_id
WHERE u.organization_id IS NOT NULL
    AND v.idea_id IN (SELECT id FROM demo_idea)
GROUP BY v.idea_id, u.organization_id;

-- ---------------------------------------------------------------------------
-- Comments
-- ---------------------------------------------------------------------------

-- The bank's answers, one per step of each path.  With the product
-- managers' desk (003_desk.sql) they are the status history (responses);
-- without it, comments of the product managers.
CREATE TEMP TABLE demo_answer ON COMMIT DROP AS
SELECT i.id AS idea_id, i.pm_id AS author_id, i.lang, p.k,
    CASE WHEN p.k = 1 THEN 'new' ELSE i.path[p.k - 1] END AS from_status,
    p.to_status,
    CASE WHEN p.k = 1 THEN i.first_response_at
	WHEN p.k = cardinality(i.path) THEN i.updated_at
	ELSE pg_temp.office(i.first_response_at +
	    (i.updated_at - i.first_response_at) *
	    ((p.k - 1.0) / (cardinality(i.path) - 1)),
	    i.first_response_at + (i.updated_at - i.first_response_at) *
	    ((p.k - 1.4) / (cardinality(i.path) - 1)),
	    i.first_response_at + (i.updated_at - i.first_response_at) *
	    ((p.k - 0.6) / (cardinality(i.path) - 1))) END AS created_at,
    NULL::text AS body
FROM demo_idea i
CROSS JOIN LATERAL unnest(i.path) WITH ORDINALITY p(to_status, k)
WHERE i.status <> 'new';

-- The quarter announced is the one it was released in, or one ahead.
UPDATE demo_answer a SET body = pg_temp.fill(replace(replace(replace(
    replace(pg_temp.pick(pg_temp.t('resp_' || a.to_status, NULL, a.lang)),
	'{first}', split_part(au.display_name, ' ', 1)),
	'{quarter}', 'Q' || to_char(pg_temp.shift() + CASE
	    WHEN i.status = 'released' THEN i.updated_at
	    ELSE greatest(a.created_at + make_interval(days => 60 +
		floor(random() * 120)::integer), pg_temp.vnow() +
		make_interval(days => 30 + floor(random() * 150)::integer))
	    END, 'Q YYYY')),
	'{area}', CASE a.lang WHEN 'de' THEN ar.name_de ELSE ar.name_en END),
	'{menu}', coalesce(pg_temp.pick(pg_temp.t('menu', i.area, a.lang)),
	    'Settings')))
FROM demo_idea i
JOIN demo_user au ON au.id = i.author_id
JOIN demo_area ar ON ar.id = i.area_id
WHERE i.id = a.idea_id;

-- How many comments per idea: more on popular ideas; about 5,000 in all
-- (some 350 repeats are dropped below).
WITH v AS (
	SELECT i.n, count(x.user_id) AS votes
	FROM demo_idea i LEFT JOIN demo_vote x ON x.idea_id = i.id
	GROUP BY i.n
), c AS (
	SELECT (5350.0 - CASE WHEN to_regclass('responses') IS NULL
	    THEN (SELECT count(*) FROM demo_answer) ELSE 0 END) /
	    sum(0.4 + sqrt(votes)) AS c FROM v
)
UPDATE demo_idea i SET n_comments = least(40, floor(c.c *
    (0.4 + sqrt(v.votes)) * (0.2 + 1.6 * random()) + random())::integer)
FROM v, c WHERE v.n = i.n;

CREATE TEMP TABLE demo_comment (
	idea_id		bigint NOT NULL,
	author_id	bigint NOT NULL,
	kind		text NOT NULL,
	lang		text NOT NULL,
	created_at	timestamptz NOT NULL,
	textkey		text,
	body		text
) ON COMMIT DROP;

DO $$
BEGIN
	IF to_regclass('responses') IS NOT NULL THEN
		INSERT INTO responses (idea_id, author_id, from_status,
		    to_status, body, created_at)
		SELECT idea_id, author_id, from_status, to_status, body,
		    created_at + pg_temp.shift()
		FROM pg_temp.demo_answer ORDER BY created_at, idea_id, k;
	ELSE
		INSERT INTO pg_temp.demo_comment (idea_id, author_id, kind, lang,
		    created_at, textkey, body)
		SELECT idea_id, author_id, 'response', lang, created_at,
		    'resp_' || to_status, body
		FROM pg_temp.demo_answer;
	END IF;
END
$$;

-- The discussion: clients, the author answering, and product managers
-- once the idea has been answered.
WITH c AS MATERIALIZED (
	SELECT i.id, i.lang AS idea_lang, i.status, i.created_at AS idea_at,
	    i.first_response_at, i.author_id, i.pm_id, random() AS r,
	    1 + floor(random() * 290)::integer AS cn, random() AS rl,
	    random() AS rt
	FROM demo_idea i CROSS JOIN LATERAL generate_series(1, i.n_comments) g
), a AS (
	SELECT c.*, CASE
	    WHEN c.status <> 'new' AND c.r < 0.14 THEN 'staff'
	    WHEN c.r < 0.26 OR cu.id = c.author_id THEN 'reply'
	    ELSE 'client' END AS kind, cu.id AS client_id
	FROM c JOIN demo_user cu ON cu.client_no = c.cn
)
INSERT INTO demo_comment (idea_id, author_id, kind, lang, created_at)
SELECT a.id, u.id, a.kind,
    CASE WHEN a.idea_lang = 'de' AND a.rl < 0.7 THEN 'de'
	WHEN a.idea_lang = 'en' AND a.kind = 'client' AND u.lang = 'de'
	    AND a.rl < 0.12 THEN 'de'
	ELSE 'en' END,
    pg_temp.office(t.lo + (t.hi - t.lo) * a.rt ^ CASE a.kind
	WHEN 'reply' THEN 0.6 ELSE 1.6 END, t.lo, t.hi)
FROM a
JOIN demo_user u ON u.id = CASE a.kind WHEN 'staff' THEN a.pm_id
    WHEN 'reply' THEN a.author_id ELSE a.client_id END
CROSS JOIN LATERAL (SELECT greatest(a.idea_at, u.created_at,
    CASE WHEN a.kind = 'staff' THEN a.first_response_at END) +
    interval '10 minutes' AS lo, pg_temp.vnow() - interval '5 minutes' AS hi) t;

-- What is said depends on who speaks and when: before or after the bank's
-- answer, before or after the release or decline.
UPDATE demo_comment c SET textkey = CASE
	WHEN c.kind = 'response' THEN c.textkey
	WHEN i.status IN ('released', 'declined')
	    AND c.created_at > i.updated_at
	    THEN CASE c.kind WHEN 'staff' THEN 'staff_after'
	    ELSE 'comment_' || i.status END
	WHEN c.kind = 'staff' THEN 'staff'
	WHEN c.kind = 'reply' AND c.created_at > i.first_response_at
	    AND random() < 0.5 THEN 'reply_answered'
	WHEN c.kind = 'reply' THEN 'reply'
	WHEN c.lang = 'en' AND random() < 0.4 AND f.comments IS NOT NULL
	    THEN 'comment_family'
	ELSE 'comment' END
FROM demo_idea i JOIN demo_family f ON f.fam = i.fam
WHERE i.id = c.idea_id;

UPDATE demo_comment c SET body = pg_temp.fill(replace(CASE c.textkey
	WHEN 'comment_family' THEN pg_temp.pick(f.comments)
	ELSE pg_temp.pick(pg_temp.t(c.textkey, NULL, c.lang)) END,
	'{pm_first}', split_part(pm.display_name, ' ', 1)))
FROM demo_idea i
JOIN demo_family f ON f.fam = i.fam
JOIN demo_user pm ON pm.id = i.pm_id
WHERE i.id = c.idea_id AND c.body IS NULL;

-- Nobody says the very same thing twice in one discussion.
DELETE FROM demo_comment c USING demo_comment d
WHERE d.idea_id = c.idea_id AND d.body = c.body
    AND (d.created_at, d.ctid) < (c.created_at, c.ctid);

CREATE TEMP TABLE demo_comment_ins ON COMMIT DROP AS
SELECT nextval(pg_get_serial_sequence('comments', 'id')) AS id, o.*
FROM (SELECT * FROM demo_comment
    ORDER BY created_at, idea_id, author_id) o;

-- A few were edited within the 15 minutes allowed.
INSERT INTO comments (id, idea_id, author_id, body, created_at, updated_at)
SELECT id, idea_id, author_id, body, created_at + pg_temp.shift(),
    CASE WHEN r1 < 0.03 THEN least(pg_temp.vnow(), created_at +
	make_interval(secs => 60 + 780 * r2)) ELSE created_at END +
	pg_temp.shift()
FROM (SELECT *, random() AS r1, random() AS r2 FROM demo_comment_ins) c
ORDER BY id;

-- ---------------------------------------------------------------------------
-- Notifications: what comment_create() and response_create() would have
-- left for the last two weeks (and all comments on the demo client's
-- ideas); the older ones read.  No mail: the outbox stays empty.
-- ---------------------------------------------------------------------------

INSERT INTO notifications (user_id, kind, idea_id, comment_id, actor_id,
    created_at, read_at)
SELECT user_id, kind, idea_id, comment_id, actor_id, at + pg_temp.shift(),
    CASE WHEN at < pg_temp.vnow() - interval '4 days' AND r1 < 0.85
	THEN at + (least(pg_temp.vnow(), at + interval '3 days') - at) * r2 +
	pg_temp.shift() END
FROM (SELECT *, random() AS r1, random() AS r2 FROM (
	-- a comment tells the idea's author
	SELECT i.author_id AS user_id, 'comment' AS kind, c.idea_id,
	    c.id AS comment_id, c.author_id AS actor_id, c.created_at AS at
	FROM demo_comment_ins c
	JOIN demo_idea i ON i.id = c.idea_id
	WHERE c.author_id <> i.author_id
	    AND (c.created_at > pg_temp.vnow() - interval '14 days' OR
	    i.author_id = (SELECT id FROM demo_user WHERE client_no = 1))
	UNION ALL
	-- a response tells the author and the voters, for the last week
	SELECT w.user_id, 'status', a.idea_id, NULL, a.author_id, a.created_at
	FROM demo_answer a
	CROSS JOIN LATERAL (
		SELECT v.user_id FROM votes v WHERE v.idea_id = a.idea_id
		    AND v.created_at <= a.created_at + pg_temp.shift()
		UNION
		SELECT i.author_id FROM demo_idea i WHERE i.id = a.idea_id) w
	WHERE to_regclass('responses') IS NOT NULL
	    AND a.created_at > pg_temp.vnow() - interval '7 days'
	    AND w.user_id <> a.author_id
	ORDER BY at, kind, idea_id, user_id) u) n
ORDER BY at, kind, idea_id, user_id;

-- ---------------------------------------------------------------------------
-- Four eyes (013_four_eyes.sql): five answers that commit the bank, each
-- written by the idea's product manager and awaiting a second one's
-- approval on the triage desk, the oldest four days old.  Nobody but the
-- bank sees them: no status change, no notification.
-- ---------------------------------------------------------------------------

DO $$
BEGIN
	IF to_regclass('response_drafts') IS NOT NULL THEN
		INSERT INTO response_drafts (idea_id, author_id, from_status,
		    to_status, body, created_at)
		SELECT i.id, i.pm_id, i.status, 'planned',
		    CASE i.lang WHEN 'de' THEN 'Wir planen das für '
			|| to_char(pg_temp.vnow() + pg_temp.shift() +
			interval '150 days', '"Q"Q YYYY') || ' im Bereich '
			|| a.name_de || '. Danke an alle, die abgestimmt haben.'
		    ELSE 'We plan to build this in ' || to_char(pg_temp.vnow() +
			pg_temp.shift() + interval '150 days', '"Q"Q YYYY')
			|| ', on the ' || a.name_en || ' roadmap. Thanks to '
			|| 'everyone who voted.' END,
		    pg_temp.vnow() + pg_temp.shift() -
		    make_interval(hours => 19 * (6 - x.k::integer))
		FROM (SELECT i.id, row_number() OVER (ORDER BY i.vote_rank, i.id)
		    AS k FROM pg_temp.demo_idea i WHERE i.status = 'under_review'
		    ORDER BY i.vote_rank, i.id LIMIT 5) x
		JOIN pg_temp.demo_idea i ON i.id = x.id
		JOIN areas a ON a.id = i.area_id;
	END IF;
END
$$;

-- ---------------------------------------------------------------------------
-- The maintained counts, from the rows themselves.
-- ---------------------------------------------------------------------------

UPDATE ideas i SET
    vote_count = (SELECT count(*) FROM votes v WHERE v.idea_id = i.id),
    recent_vote_count = (SELECT count(*) FROM votes v WHERE v.idea_id = i.id
	AND v.created_at > (SELECT aged_to FROM trending_clock)),
    organization_count = (SELECT count(*) FROM idea_organization_votes o
	WHERE o.idea_id = i.id),
    comment_count = (SELECT count(*) FROM comments c WHERE c.idea_id = i.id)
WHERE i.id IN (SELECT id FROM demo_idea);

COMMIT;

\set QUIET off
SELECT
    (SELECT count(*) FROM organizations) AS organizations,
    (SELECT count(*) FROM users) AS users,
    (SELECT count(*) FROM ideas) AS ideas,
    (SELECT count(*) FROM votes) AS votes,
    (SELECT count(*) FROM comments) AS comments,
    (SELECT count(*) FROM notifications) AS notifications,
    (SELECT max(vote_count) FROM ideas) AS max_votes,
    (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY vote_count)
	FROM ideas) AS median_votes;
