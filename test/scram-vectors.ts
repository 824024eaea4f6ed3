// SCRAM exchanges beyond the RFCs' own test vectors (RFC 5802 section 5 for SHA-1,
// RFC 7677 section 3 for SHA-256, which the tests quote where they use them).
//
// No RFC publishes SCRAM-SHA-512 or tls-exporter (-PLUS) exchanges. These vectors reuse
// RFC 7677's inputs and were computed with Python's hashlib and hmac, written from RFC
// 5802 section 3 independently of this code, after that script reproduced the RFC 5802
// and RFC 7677 vectors exactly. Both sides' tests use them.
export const SHA512_VECTOR = {
  serverFirst: "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
  clientFinal:
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=gMGXRcevScNtxZ6/8lQYpGtnsNAc3mGcmNomv+xnoOMw+3R2xNJdMNnzMlTN8PPC6wdp6dybEmDYXYTxwnYPJQ==",
  serverFinal: "v=ZQnYEgWQMFmmsM8aQMF0nDDCy/AgCzkwk8CmMZYcMg0vSVlKDanekLtifDSeVGT4+5ZxXnJq199RVG2rR7N7Zw==",
};
/** SCRAM-SHA-256-PLUS with tls-exporter data 00 01 .. 1f. */
export const PLUS_VECTOR = {
  channelBinding: Buffer.from(Array.from({ length: 32 }, (_, i) => i)),
  clientFirst: "p=tls-exporter,,n=user,r=rOprNGfwEbeRWgbNEkqO",
  serverFirst: "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
  clientFinal:
    "c=cD10bHMtZXhwb3J0ZXIsLAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=QC6CS20quADQRb3mT99YUH+n3VJxUvzuK0K0E1Vrs2M=",
  serverFinal: "v=2GiAgapEppLVlUXbxUDksL3VgYHzuqiK5tR4mhJGgvs=",
};

