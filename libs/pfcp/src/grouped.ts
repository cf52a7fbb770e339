// Grouped IEs (TS 29.244 clause 7.5): field lists plus the typed objects they produce.
import { IeType as T } from './constants.ts';
import { Leaf, type BitRate, type FTeid, type GateStatus, type OuterHeaderCreation, type OuterHeaderRemoval, type SdfFilter, type UeIpAddress, type Volume, type VolumeMeasurement } from './ies.ts';
import { grouped, leaf, type Field } from './tlv.ts';

export interface Pdi {
  sourceInterface: number;
  localFTeid?: FTeid;
  networkInstance?: string;
  ueIpAddress?: UeIpAddress;
  sdfFilters?: SdfFilter[];
  applicationId?: string;
  qfis?: number[];
}
export const pdiFields: Field[] = [
  leaf('sourceInterface', T.SourceInterface, 'Source Interface', Leaf.low4, { mandatory: true }),
  leaf('localFTeid', T.FTEID, 'F-TEID', Leaf.fteid),
  leaf('networkInstance', T.NetworkInstance, 'Network Instance', Leaf.networkInstance),
  leaf('ueIpAddress', T.UEIPAddress, 'UE IP Address', Leaf.ueIp),
  leaf('sdfFilters', T.SDFFilter, 'SDF Filter', Leaf.sdfFilter, { multi: true }),
  leaf('applicationId', T.ApplicationID, 'Application ID', Leaf.utf8),
  leaf('qfis', T.QFI, 'QFI', Leaf.qfi, { multi: true }),
];

export interface CreatePdr {
  pdrId: number;
  precedence: number;
  pdi: Pdi;
  outerHeaderRemoval?: OuterHeaderRemoval;
  farId?: number;
  urrIds?: number[];
  qerIds?: number[];
}
const pdrCommon = (mandatory: boolean): Field[] => [
  leaf('pdrId', T.PDRID, 'PDR ID', Leaf.u16, { mandatory: true }),
  leaf('outerHeaderRemoval', T.OuterHeaderRemoval, 'Outer Header Removal', Leaf.outerHeaderRemoval),
  leaf('precedence', T.Precedence, 'Precedence', Leaf.u32, { mandatory }),
  grouped('pdi', T.PDI, 'PDI', pdiFields, { mandatory }),
  leaf('farId', T.FARID, 'FAR ID', Leaf.u32),
  leaf('urrIds', T.URRID, 'URR ID', Leaf.u32, { multi: true }),
  leaf('qerIds', T.QERID, 'QER ID', Leaf.u32, { multi: true }),
];
export const createPdrFields = pdrCommon(true);
export type UpdatePdr = Partial<CreatePdr> & { pdrId: number };
export const updatePdrFields = pdrCommon(false);

export interface ForwardingParameters {
  destinationInterface: number;
  networkInstance?: string;
  outerHeaderCreation?: OuterHeaderCreation;
}
const fwdFields = (mandatory: boolean): Field[] => [
  leaf('destinationInterface', T.DestinationInterface, 'Destination Interface', Leaf.low4, { mandatory }),
  leaf('networkInstance', T.NetworkInstance, 'Network Instance', Leaf.networkInstance),
  leaf('outerHeaderCreation', T.OuterHeaderCreation, 'Outer Header Creation', Leaf.outerHeaderCreation),
];

export interface CreateFar {
  farId: number;
  applyAction: number;
  forwardingParameters?: ForwardingParameters;
  barId?: number;
}
export const createFarFields: Field[] = [
  leaf('farId', T.FARID, 'FAR ID', Leaf.u32, { mandatory: true }),
  leaf('applyAction', T.ApplyAction, 'Apply Action', Leaf.applyAction, { mandatory: true }),
  grouped('forwardingParameters', T.ForwardingParameters, 'Forwarding Parameters', fwdFields(true)),
  leaf('barId', T.BARID, 'BAR ID', Leaf.u8),
];
export interface UpdateFar {
  farId: number;
  applyAction?: number;
  updateForwardingParameters?: Partial<ForwardingParameters>;
  barId?: number;
}
export const updateFarFields: Field[] = [
  leaf('farId', T.FARID, 'FAR ID', Leaf.u32, { mandatory: true }),
  leaf('applyAction', T.ApplyAction, 'Apply Action', Leaf.applyAction),
  grouped('updateForwardingParameters', T.UpdateForwardingParameters, 'Update Forwarding Parameters', fwdFields(false)),
  leaf('barId', T.BARID, 'BAR ID', Leaf.u8),
];

export interface CreateQer {
  qerId: number;
  gateStatus: GateStatus;
  mbr?: BitRate;
  qfi?: number;
}
const qerFields = (mandatory: boolean): Field[] => [
  leaf('qerId', T.QERID, 'QER ID', Leaf.u32, { mandatory: true }),
  leaf('gateStatus', T.GateStatus, 'Gate Status', Leaf.gateStatus, { mandatory }),
  leaf('mbr', T.MBR, 'MBR', Leaf.bitRate),
  leaf('qfi', T.QFI, 'QFI', Leaf.qfi),
];
export const createQerFields = qerFields(true);
export type UpdateQer = Partial<CreateQer> & { qerId: number };
export const updateQerFields = qerFields(false);

export interface CreateUrr {
  urrId: number;
  measurementMethod: number;
  reportingTriggers: number;
  volumeThreshold?: Volume;
  /** seconds */
  timeThreshold?: number;
  volumeQuota?: Volume;
  /** seconds */
  timeQuota?: number;
  /** seconds */
  inactivityDetectionTime?: number;
}
const urrFields = (mandatory: boolean): Field[] => [
  leaf('urrId', T.URRID, 'URR ID', Leaf.u32, { mandatory: true }),
  leaf('measurementMethod', T.MeasurementMethod, 'Measurement Method', Leaf.u8, { mandatory }),
  leaf('reportingTriggers', T.ReportingTriggers, 'Reporting Triggers', Leaf.flags24(2), { mandatory }),
  leaf('volumeThreshold', T.VolumeThreshold, 'Volume Threshold', Leaf.volumeThreshold),
  leaf('timeThreshold', T.TimeThreshold, 'Time Threshold', Leaf.u32),
  leaf('volumeQuota', T.VolumeQuota, 'Volume Quota', Leaf.volumeThreshold),
  leaf('timeQuota', T.TimeQuota, 'Time Quota', Leaf.u32),
  leaf('inactivityDetectionTime', T.InactivityDetectionTime, 'Inactivity Detection Time', Leaf.u32),
];
export const createUrrFields = urrFields(true);
export type UpdateUrr = Partial<CreateUrr> & { urrId: number };
export const updateUrrFields = urrFields(false);

/** Buffering Action Rule: how long to wait before notifying, how many packets to keep. */
export interface CreateBar {
  barId: number;
  downlinkDataNotificationDelay?: number;
  suggestedBufferingPacketsCount?: number;
}
const barFields = (): Field[] => [
  leaf('barId', T.BARID, 'BAR ID', Leaf.u8, { mandatory: true }),
  leaf('downlinkDataNotificationDelay', T.DownlinkDataNotificationDelay, 'Downlink Data Notification Delay', Leaf.u8),
  leaf('suggestedBufferingPacketsCount', T.SuggestedBufferingPacketsCount, 'Suggested Buffering Packets Count', Leaf.u8),
];
export const createBarFields = barFields();
export type UpdateBar = CreateBar;
export const updateBarFields = barFields();

export interface CreatedPdr {
  pdrId: number;
  localFTeid?: FTeid;
  ueIpAddress?: UeIpAddress;
}
export const createdPdrFields: Field[] = [
  leaf('pdrId', T.PDRID, 'PDR ID', Leaf.u16, { mandatory: true }),
  leaf('localFTeid', T.FTEID, 'F-TEID', Leaf.fteid),
  leaf('ueIpAddress', T.UEIPAddress, 'UE IP Address', Leaf.ueIp),
];

export interface UsageReport {
  urrId: number;
  urSeqn: number;
  usageReportTrigger: number;
  startTime?: Date;
  endTime?: Date;
  volumeMeasurement?: VolumeMeasurement;
  durationMeasurement?: number;
}
export const usageReportFields: Field[] = [
  leaf('urrId', T.URRID, 'URR ID', Leaf.u32, { mandatory: true }),
  leaf('urSeqn', T.URSEQN, 'UR-SEQN', Leaf.u32, { mandatory: true }),
  leaf('usageReportTrigger', T.UsageReportTrigger, 'Usage Report Trigger', Leaf.flags24(2), { mandatory: true }),
  leaf('startTime', T.StartTime, 'Start Time', Leaf.ntpTime),
  leaf('endTime', T.EndTime, 'End Time', Leaf.ntpTime),
  leaf('volumeMeasurement', T.VolumeMeasurement, 'Volume Measurement', Leaf.volumeMeasurement),
  leaf('durationMeasurement', T.DurationMeasurement, 'Duration Measurement', Leaf.u32),
];

export interface DownlinkDataReport {
  pdrIds: number[];
}
export const downlinkDataReportFields: Field[] = [leaf('pdrIds', T.PDRID, 'PDR ID', Leaf.u16, { multi: true, mandatory: true })];

export const removeFields = (key: string, ie: number, name: string, codec = Leaf.u32): Field[] => [leaf(key, ie, name, codec, { mandatory: true })];
