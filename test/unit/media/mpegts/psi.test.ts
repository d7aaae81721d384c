import { crc32Mpeg2 } from '../../../../server/media/containers/mpegts/crc32-mpeg2';
import { PsiWriter, TS_PACKET_SIZE, patSection, pmtSection, psiPacket, sdtSection, type TsProgram } from '../../../../server/media/containers/mpegts/psi';
import { TsReader } from '../../../support/ts-reader';

const program: TsProgram = {
  transportStreamId: 1,
  programNumber: 1,
  pmtPid: 0x1000,
  pcrPid: 0x100,
  streams: [
    { streamType: 0x1b, pid: 0x100 },
    { streamType: 0x0f, pid: 0x101 },
  ],
};
const service = { originalNetworkId: 0xff01, serviceType: 1, providerName: 'webrtc-rtmp-gateway', serviceName: 'webrtc-rtmp-gateway' };

describe('CRC-32/MPEG-2', () => {
  it('gives the catalogue check value and 0 over a section with its CRC', () => {
    expect(crc32Mpeg2(Buffer.from('123456789'))).toBe(0x0376e6e7);
    expect(crc32Mpeg2(Buffer.alloc(0))).toBe(0xffffffff);
    expect(crc32Mpeg2(patSection(program))).toBe(0);
  });

  it('covers only [start, end) when given', () => {
    const data = Buffer.from('xx123456789yy');
    expect(crc32Mpeg2(data, 2, 11)).toBe(0x0376e6e7);
  });
});

describe('PSI sections', () => {
  it('writes the PAT byte for byte as ffmpeg does for program 1 → PMT 0x1000', () => {
    expect(patSection(program).toString('hex')).toBe('00b00d0001c100000001f0002ab104b2');
  });

  it('writes a PMT listing the PCR PID and both streams', () => {
    const pmt = pmtSection(program);
    expect(pmt[0]).toBe(0x02);
    expect(((pmt[1] & 0x0f) << 8) | pmt[2]).toBe(pmt.length - 3); // section_length
    expect(pmt.readUInt16BE(3)).toBe(1); // program_number
    expect(pmt.readUInt16BE(8) & 0x1fff).toBe(0x100);
    expect(pmt.subarray(12, 22).toString('hex')).toBe('1be100f000' + '0fe101f000');
    expect(crc32Mpeg2(pmt)).toBe(0);
  });

  it('pads a PSI packet with 0xFF after pointer_field 0', () => {
    const packet = psiPacket(0x1000, pmtSection(program));
    expect(packet).toHaveLength(TS_PACKET_SIZE);
    expect(packet.subarray(0, 5).toString('hex')).toBe('4750001000');
    const sectionEnd = 5 + pmtSection(program).length;
    expect(packet.subarray(sectionEnd).every((b) => b === 0xff)).toBe(true);
  });

  it('refuses a section longer than one packet', () => {
    expect(() => psiPacket(0x20, Buffer.alloc(184))).toThrow(RangeError);
  });

  it('PAT, PMT and SDT read back with an independent reader, CRCs checked, CC counting per write', () => {
    const writer = new PsiWriter(program, service);
    expect(writer.size).toBe(3 * TS_PACKET_SIZE);
    const reader = new TsReader();
    for (let i = 0; i < 20; i++) {
      const out = Buffer.alloc(writer.size);
      expect(writer.write(out, 0)).toBe(writer.size);
      expect(out[3] & 0x0f).toBe(i % 16);
      reader.push(out);
    }
    const summary = reader.summary();
    expect(summary).toMatchObject({ ccErrors: 0, crcErrors: 0, malformed: 0, patCount: 20, pmtCount: 20, sdtCount: 20 });
    expect(summary.pat).toEqual([{ programNumber: 1, pmtPid: 0x1000 }]);
    expect(summary.pmts.get(0x1000)).toEqual({ programNumber: 1, pcrPid: 0x100, streams: program.streams });
    expect(summary.sdt).toEqual({ serviceId: 1, serviceType: 1, providerName: 'webrtc-rtmp-gateway', serviceName: 'webrtc-rtmp-gateway' });
  });

  it('builds an SDT with a valid CRC and the DVB table id', () => {
    const sdt = sdtSection(program, service);
    expect(sdt[0]).toBe(0x42);
    expect(crc32Mpeg2(sdt)).toBe(0);
  });

  it('leaves the SDT out when no service is given', () => {
    expect(new PsiWriter(program).size).toBe(2 * TS_PACKET_SIZE);
  });
});
