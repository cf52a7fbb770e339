// One fully populated instance of every message the codec implements, shared by the round-trip and tshark tests.
import {
  ApplyAction, Cause, Interface, MeasurementMethod, MessageType as M, OuterHeaderCreationDesc, OuterHeaderRemovalDesc,
  ReportingTrigger, ReportType, UsageReportTrigger, type PfcpMessage,
} from '../src/index.ts';

export const T0 = new Date('2026-11-26T06:00:00Z');
const smf = { type: 'ipv4' as const, value: '10.100.0.1' };
const upf = { type: 'ipv4' as const, value: '10.100.0.2' };

export const samples: PfcpMessage[] = [
  { type: M.HeartbeatRequest, sequence: 1, recoveryTimeStamp: T0 },
  { type: M.HeartbeatResponse, sequence: 1, recoveryTimeStamp: T0 },
  { type: M.AssociationSetupRequest, sequence: 2, nodeId: { type: 'fqdn', value: 'smf.fastpath.test' }, recoveryTimeStamp: T0, cpFunctionFeatures: 0 },
  { type: M.AssociationSetupResponse, sequence: 2, nodeId: upf, cause: Cause.RequestAccepted, recoveryTimeStamp: T0, upFunctionFeatures: Buffer.of(0x01, 0x00) },
  { type: M.AssociationUpdateRequest, sequence: 3, nodeId: smf, releaseRequest: { sarr: true }, gracefulReleasePeriod: 0x21 },
  { type: M.AssociationUpdateResponse, sequence: 3, nodeId: upf, cause: Cause.RequestAccepted },
  { type: M.AssociationReleaseRequest, sequence: 4, nodeId: smf },
  { type: M.AssociationReleaseResponse, sequence: 4, nodeId: upf, cause: Cause.RequestAccepted },
  {
    type: M.SessionEstablishmentRequest, seid: 0n, sequence: 5, priority: 3, nodeId: smf,
    cpFSeid: { seid: 0x1122334455667788n, ipv4: '10.100.0.1' },
    createPdrs: [
      {
        pdrId: 1, precedence: 255,
        pdi: {
          sourceInterface: Interface.Access, localFTeid: { choose: { ipv4: true, chooseId: 7 } }, networkInstance: 'internet',
          ueIpAddress: { ipv4: '10.60.0.1', sd: 'source' },
          sdfFilters: [{ flowDescription: 'permit out 17 from 192.168.0.0/16 1000-2000 to assigned', filterId: 9 }],
          qfis: [9],
        },
        outerHeaderRemoval: { description: OuterHeaderRemovalDesc.GtpuUdpIpv4, extensionHeaderDeletion: 1 },
        farId: 1, urrIds: [1], qerIds: [1],
      },
      {
        pdrId: 2, precedence: 255,
        pdi: { sourceInterface: Interface.Core, networkInstance: 'internet', ueIpAddress: { ipv4: '10.60.0.1', sd: 'destination' }, applicationId: 'web' },
        farId: 2, urrIds: [1],
      },
    ],
    createFars: [
      { farId: 1, applyAction: ApplyAction.FORW, forwardingParameters: { destinationInterface: Interface.Core, networkInstance: 'internet' } },
      {
        farId: 2, applyAction: ApplyAction.BUFF | ApplyAction.NOCP, barId: 1,
        forwardingParameters: {
          destinationInterface: Interface.Access,
          outerHeaderCreation: { description: OuterHeaderCreationDesc.GtpuUdpIpv4, teid: 0xabcdef01, ipv4: '10.200.0.5' },
        },
      },
    ],
    createUrrs: [{ urrId: 1, measurementMethod: MeasurementMethod.VOLUM | MeasurementMethod.DURAT, reportingTriggers: ReportingTrigger.VOLTH | ReportingTrigger.TIMTH | ReportingTrigger.VOLQU | ReportingTrigger.TIMQU, volumeThreshold: { total: 1_000_000n, uplink: 400_000n, downlink: 600_000n }, timeThreshold: 60, volumeQuota: { total: 5_000_000n }, timeQuota: 3600, inactivityDetectionTime: 10 }],
    createQers: [{ qerId: 1, gateStatus: { ul: 'open', dl: 'closed' }, mbr: { ulKbps: 100_000, dlKbps: 200_000 }, qfi: 9 }],
    createBar: { barId: 1, downlinkDataNotificationDelay: 2, suggestedBufferingPacketsCount: 16 },
  },
  {
    type: M.SessionEstablishmentResponse, seid: 0x1122334455667788n, sequence: 5, nodeId: upf, cause: Cause.RequestAccepted,
    upFSeid: { seid: 42n, ipv4: '10.100.0.2' },
    createdPdrs: [{ pdrId: 1, localFTeid: { teid: 0x1000, ipv4: '10.200.0.1' } }],
  },
  {
    type: M.SessionModificationRequest, seid: 42n, sequence: 6,
    removePdrs: [{ pdrId: 2 }], removeFars: [{ farId: 3 }], removeUrrs: [{ urrId: 4 }], removeQers: [{ qerId: 5 }],
    createPdrs: [{ pdrId: 3, precedence: 10, pdi: { sourceInterface: Interface.Access, localFTeid: { teid: 0x1000, ipv4: '10.200.0.1' }, sdfFilters: [{ flowDescription: 'permit out 1 from any to assigned' }] }, farId: 1 }],
    createFars: [{ farId: 6, applyAction: ApplyAction.DROP }],
    createUrrs: [{ urrId: 7, measurementMethod: MeasurementMethod.VOLUM, reportingTriggers: ReportingTrigger.VOLTH, volumeThreshold: { total: 10n } }],
    createQers: [{ qerId: 8, gateStatus: { ul: 'open', dl: 'open' } }],
    updatePdrs: [{ pdrId: 1, precedence: 100, farId: 6 }],
    updateFars: [{ farId: 2, applyAction: ApplyAction.FORW, updateForwardingParameters: { destinationInterface: Interface.Access, outerHeaderCreation: { description: OuterHeaderCreationDesc.GtpuUdpIpv4, teid: 0x77, ipv4: '10.200.0.9' } } }],
    updateUrrs: [{ urrId: 1, timeThreshold: 30 }],
    updateQers: [{ qerId: 1, gateStatus: { ul: 'closed', dl: 'open' }, mbr: { ulKbps: 1, dlKbps: 2 } }],
    updateBar: { barId: 1, downlinkDataNotificationDelay: 4 },
  },
  {
    type: M.SessionModificationResponse, seid: 0x1122334455667788n, sequence: 6, cause: Cause.RequestAccepted,
    createdPdrs: [{ pdrId: 3, localFTeid: { teid: 0x1001, ipv4: '10.200.0.1' } }],
    usageReports: [{ urrId: 1, urSeqn: 0, usageReportTrigger: UsageReportTrigger.IMMER, volumeMeasurement: { total: 1500n, uplink: 500n, downlink: 1000n, totalPackets: 3n, uplinkPackets: 1n, downlinkPackets: 2n } }],
  },
  { type: M.SessionDeletionRequest, seid: 42n, sequence: 7 },
  {
    type: M.SessionDeletionResponse, seid: 0x1122334455667788n, sequence: 7, cause: Cause.RequestAccepted,
    usageReports: [{ urrId: 1, urSeqn: 2, usageReportTrigger: UsageReportTrigger.TERMR, startTime: T0, endTime: new Date(T0.getTime() + 90_000), durationMeasurement: 90, volumeMeasurement: { total: 3000n } }],
  },
  {
    type: M.SessionReportRequest, seid: 0x1122334455667788n, sequence: 8, reportType: ReportType.DLDR | ReportType.USAR,
    downlinkDataReport: { pdrIds: [2] },
    usageReports: [{ urrId: 1, urSeqn: 1, usageReportTrigger: UsageReportTrigger.VOLTH, volumeMeasurement: { total: 1_000_100n, uplink: 100n, downlink: 1_000_000n } }],
  },
  { type: M.SessionReportResponse, seid: 42n, sequence: 8, cause: Cause.RequestAccepted, updateBar: { barId: 1, suggestedBufferingPacketsCount: 8 } },
  { type: M.SessionEstablishmentResponse, seid: 0x99n, sequence: 9, nodeId: upf, cause: Cause.MandatoryIeMissing, offendingIe: 57 },
  { type: M.VersionNotSupportedResponse, sequence: 10 },
];
