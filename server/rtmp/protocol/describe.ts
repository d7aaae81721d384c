import type { AmfValue } from './amf0';
import { RtmpProtocolError } from './errors';
import { MessageType, type OutgoingRtmpMessage, parseCommand, parseData, parseUserControl } from './messages';
import { payloadLength, payloadToBuffer } from './payload';

const TYPE_NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(MessageType).map(([name, id]) => [id, name.toLowerCase()]));
/** Protocol control messages whose payload starts with the one 32-bit value worth showing. */
const CONTROL_VALUE_TYPES: ReadonlySet<number> = new Set([
  MessageType.SET_CHUNK_SIZE,
  MessageType.ABORT,
  MessageType.ACKNOWLEDGEMENT,
  MessageType.WINDOW_ACK_SIZE,
  MessageType.SET_PEER_BANDWIDTH,
]);
const MAX_SUMMARY_LENGTH = 300;

/**
 * One-line human summary of a message for debug traces, e.g.
 * `command connect #1 {"app":"live",…} (csid 3, msid 0, ts 0)` or `video 4521 B (csid 6, msid 1, ts 40)`.
 * Never throws: undecodable bodies are summarised by size.
 */
export function describeMessage(message: OutgoingRtmpMessage): string {
  const where = `(csid ${message.chunkStreamId}, msid ${message.messageStreamId}, ts ${message.timestamp})`;
  const name = TYPE_NAMES[message.typeId] ?? `type ${message.typeId}`;
  if (message.typeId === MessageType.AUDIO || message.typeId === MessageType.VIDEO) return `${name} ${payloadLength(message.payload)} B ${where}`;
  const payload = payloadToBuffer(message.payload);
  try {
    return `${name} ${body(message.typeId, payload)} ${where}`;
  } catch (err) {
    if (!(err instanceof RtmpProtocolError)) throw err;
    return `${name} ${payload.length} B, undecodable: ${err.message} ${where}`;
  }
}

function body(typeId: number, payload: Buffer): string {
  if (CONTROL_VALUE_TYPES.has(typeId) && payload.length >= 4) return String(payload.readUInt32BE(0));
  switch (typeId) {
    case MessageType.USER_CONTROL: {
      const control = parseUserControl(payload);
      return control.event === 'unknown' ? `event ${control.type}, ${control.data.length} B` : JSON.stringify(control);
    }
    case MessageType.COMMAND_AMF0:
    case MessageType.COMMAND_AMF3: {
      const command = parseCommand({ typeId, payload });
      return `${command.name} #${command.transactionId} ${shorten(json([command.commandObject, ...command.args]))}`;
    }
    case MessageType.DATA_AMF0:
    case MessageType.DATA_AMF3:
      return shorten(json(parseData({ typeId, payload })));
    default:
      return `${payload.length} B`;
  }
}

function json(value: AmfValue): string {
  return JSON.stringify(value) ?? 'undefined';
}

function shorten(text: string): string {
  return text.length <= MAX_SUMMARY_LENGTH ? text : `${text.slice(0, MAX_SUMMARY_LENGTH)}…`;
}
