-- Sensitive resident fields, encrypted at rest by FieldCrypto (AES-256-GCM); reading them in
-- clear is a "reveal" and is audited.
alter table residents add column id_number_enc text;
alter table residents add column key_safe_code_enc text;
alter table residents add column access_notes text;
