// Numbers from 3GPP TS 29.244 (message types: Table 7.3-1, IE types: Table 8.1.2-1, Cause: Table 8.2.1-1).

export const PFCP_PORT = 8805;
export const PFCP_VERSION = 1;

export const MessageType = {
  HeartbeatRequest: 1,
  HeartbeatResponse: 2,
  AssociationSetupRequest: 5,
  AssociationSetupResponse: 6,
  AssociationUpdateRequest: 7,
  AssociationUpdateResponse: 8,
  AssociationReleaseRequest: 9,
  AssociationReleaseResponse: 10,
  VersionNotSupportedResponse: 11,
  SessionEstablishmentRequest: 50,
  SessionEstablishmentResponse: 51,
  SessionModificationRequest: 52,
  SessionModificationResponse: 53,
  SessionDeletionRequest: 54,
  SessionDeletionResponse: 55,
  SessionReportRequest: 56,
  SessionReportResponse: 57,
} as const;
export type MessageTypeName = keyof typeof MessageType;

export const IeType = {
  CreatePDR: 1,
  PDI: 2,
  CreateFAR: 3,
  ForwardingParameters: 4,
  CreateURR: 6,
  CreateQER: 7,
  CreatedPDR: 8,
  UpdatePDR: 9,
  UpdateFAR: 10,
  UpdateForwardingParameters: 11,
  UpdateBARReportResponse: 12,
  UpdateURR: 13,
  UpdateQER: 14,
  RemovePDR: 15,
  RemoveFAR: 16,
  RemoveURR: 17,
  RemoveQER: 18,
  Cause: 19,
  SourceInterface: 20,
  FTEID: 21,
  NetworkInstance: 22,
  SDFFilter: 23,
  ApplicationID: 24,
  GateStatus: 25,
  MBR: 26,
  Precedence: 29,
  VolumeThreshold: 31,
  TimeThreshold: 32,
  InactivityDetectionTime: 36,
  ReportingTriggers: 37,
  ReportType: 39,
  OffendingIE: 40,
  DestinationInterface: 42,
  UPFunctionFeatures: 43,
  ApplyAction: 44,
  DownlinkDataNotificationDelay: 46,
  PDRID: 56,
  FSEID: 57,
  NodeID: 60,
  MeasurementMethod: 62,
  UsageReportTrigger: 63,
  VolumeMeasurement: 66,
  DurationMeasurement: 67,
  VolumeQuota: 73,
  TimeQuota: 74,
  StartTime: 75,
  EndTime: 76,
  UsageReportModification: 78,
  UsageReportDeletion: 79,
  UsageReportReport: 80,
  URRID: 81,
  DownlinkDataReport: 83,
  OuterHeaderCreation: 84,
  CreateBAR: 85,
  UpdateBARModification: 86,
  RemoveBAR: 87,
  BARID: 88,
  CPFunctionFeatures: 89,
  UEIPAddress: 93,
  OuterHeaderRemoval: 95,
  RecoveryTimeStamp: 96,
  URSEQN: 104,
  FARID: 108,
  QERID: 109,
  AssociationReleaseRequestFlags: 111,
  GracefulReleasePeriod: 112,
  QFI: 124,
  SuggestedBufferingPacketsCount: 140,
} as const;

export const Cause = {
  RequestAccepted: 1,
  RequestRejected: 64,
  SessionContextNotFound: 65,
  MandatoryIeMissing: 66,
  ConditionalIeMissing: 67,
  InvalidLength: 68,
  MandatoryIeIncorrect: 69,
  InvalidForwardingPolicy: 70,
  InvalidFteidAllocationOption: 71,
  NoEstablishedPfcpAssociation: 72,
  RuleCreationModificationFailure: 73,
  PfcpEntityInCongestion: 74,
  NoResourcesAvailable: 75,
  ServiceNotSupported: 76,
  SystemFailure: 77,
} as const;

/** Source/Destination Interface values (TS 29.244 8.2.2 / 8.2.24). */
export const Interface = {
  Access: 0,
  Core: 1,
  SgiLanN6Lan: 2,
  CpFunction: 3,
} as const;

/** Apply Action bits (8.2.26, first octet). */
export const ApplyAction = {
  DROP: 0x01,
  FORW: 0x02,
  BUFF: 0x04,
  NOCP: 0x08,
  DUPL: 0x10,
} as const;

/** Outer Header Removal descriptions (8.2.64). */
export const OuterHeaderRemovalDesc = {
  GtpuUdpIpv4: 0,
  GtpuUdpIpv6: 1,
  UdpIpv4: 2,
  UdpIpv6: 3,
  Ipv4: 4,
  Ipv6: 5,
  GtpuUdpIp: 6,
} as const;

/** Outer Header Creation description bits (8.2.56), as the 16-bit field octets 5-6. */
export const OuterHeaderCreationDesc = {
  GtpuUdpIpv4: 0x0100,
  GtpuUdpIpv6: 0x0200,
  UdpIpv4: 0x0400,
  UdpIpv6: 0x0800,
  Ipv4: 0x1000,
  Ipv6: 0x2000,
} as const;

/** Measurement Method bits (8.2.40). */
export const MeasurementMethod = { DURAT: 0x01, VOLUM: 0x02, EVENT: 0x04 } as const;

/** Report Type bits (8.2.21). */
export const ReportType = { DLDR: 0x01, USAR: 0x02, ERIR: 0x04, UPIR: 0x08 } as const;

/** Gate Status values (8.2.7). */
export const Gate = { Open: 0, Closed: 1 } as const;

/** Reporting Triggers (8.2.19) / Usage Report Trigger (8.2.41) bits used here, as 24-bit values (octet 5 is the high byte). */
export const ReportingTrigger = {
  PERIO: 0x010000,
  VOLTH: 0x020000,
  TIMTH: 0x040000,
  START: 0x100000,
  STOPT: 0x200000,
  LIUSA: 0x800000,
  VOLQU: 0x000100,
  TIMQU: 0x000200,
} as const;
export const UsageReportTrigger = {
  PERIO: 0x010000,
  VOLTH: 0x020000,
  TIMTH: 0x040000,
  START: 0x100000,
  STOPT: 0x200000,
  IMMER: 0x800000,
  VOLQU: 0x000100,
  TIMQU: 0x000200,
  LIUSA: 0x000400,
  TERMR: 0x000800,
} as const;

/** Seconds between the NTP epoch (1900) and the Unix epoch, for Recovery Time Stamp and Start/End Time. */
export const NTP_UNIX_OFFSET = 2_208_988_800;
