// Builders for the test SMF's PFCP requests.
import { ApplyAction, Interface, MessageType as M, OuterHeaderCreationDesc, OuterHeaderRemovalDesc, type CreateFar, type CreatePdr } from '@fastpath/pfcp';

export const SMF_NODE = { type: 'ipv4' as const, value: '127.0.0.1' };
export const UE = '10.60.0.1';

export function uplinkPdr(pdrId = 1, farId = 1, extra: Partial<CreatePdr> = {}): CreatePdr {
  return {
    pdrId, precedence: 200, farId,
    pdi: { sourceInterface: Interface.Access, localFTeid: { choose: { ipv4: true, chooseId: 1 } }, networkInstance: 'internet', ueIpAddress: { ipv4: UE, sd: 'source' } },
    outerHeaderRemoval: { description: OuterHeaderRemovalDesc.GtpuUdpIpv4 },
    ...extra,
  };
}
export function downlinkPdr(pdrId = 2, farId = 2, extra: Partial<CreatePdr> = {}): CreatePdr {
  return { pdrId, precedence: 200, farId, pdi: { sourceInterface: Interface.Core, networkInstance: 'internet', ueIpAddress: { ipv4: UE, sd: 'destination' } }, ...extra };
}
export const forwardCore = (farId = 1): CreateFar => ({ farId, applyAction: ApplyAction.FORW, forwardingParameters: { destinationInterface: Interface.Core, networkInstance: 'internet' } });
export const forwardAccess = (farId: number, teid: number, gnb: string, action: number = ApplyAction.FORW): CreateFar => ({
  farId, applyAction: action, forwardingParameters: { destinationInterface: Interface.Access, outerHeaderCreation: { description: OuterHeaderCreationDesc.GtpuUdpIpv4, teid, ipv4: gnb } },
});

export function establishment(cpSeid: bigint, pdrs: CreatePdr[], fars: CreateFar[], more: object = {}) {
  return { type: M.SessionEstablishmentRequest, seid: 0n, nodeId: SMF_NODE, cpFSeid: { seid: cpSeid, ipv4: '127.0.0.1' }, createPdrs: pdrs, createFars: fars, ...more } as const;
}
