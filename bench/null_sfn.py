"""A null Step Functions endpoint for bench/serve-peers.sh: it answers the operations
bench/serve_bench.py calls (CreateStateMachine, StartExecution, DescribeExecution,
ListExecutions, and GetExecutionHistory) at once, with constant bodies of the right shape, and
runs nothing. Driven by the same boto3 harness as the real peers, it gives the harness's own
floor on this machine: the best latency and throughput the driver can measure, whatever the
server.

  python null_sfn.py PORT

One asyncio process on 127.0.0.1, HTTP/1.1 keep-alive, no parsing beyond the request line,
the headers it needs (Content-Length, X-Amz-Target) and nothing of the body.
"""

import asyncio
import json
import sys

ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:null"
EXEC = "arn:aws:states:us-east-1:123456789012:execution:null:x"
BODIES = {
    "CreateStateMachine": {"stateMachineArn": ARN, "creationDate": 1.7e9},
    "StartExecution": {"executionArn": EXEC, "startDate": 1.7e9},
    "DescribeExecution": {
        "executionArn": EXEC, "stateMachineArn": ARN, "name": "x", "status": "SUCCEEDED",
        "startDate": 1.7e9, "stopDate": 1.7e9, "input": "{}", "output": "{}",
    },
    "ListExecutions": {"executions": []},
    "GetExecutionHistory": {"events": [
        {"id": 1, "timestamp": 1.7e9, "type": "ExecutionStarted"},
        {"id": 2, "previousEventId": 1, "timestamp": 1.7e9, "type": "ExecutionSucceeded",
         "executionSucceededEventDetails": {"output": "{}"}},
    ]},
}


def response(status, body):
    data = json.dumps(body).encode()
    head = ("HTTP/1.1 %s\r\nContent-Type: application/x-amz-json-1.0\r\nx-amzn-RequestId: 0\r\n"
            "Content-Length: %d\r\n\r\n" % (status, len(data))).encode()
    return head + data


ANSWERS = {k: response("200 OK", v) for k, v in BODIES.items()}
UNKNOWN = response("400 Bad Request", {"__type": "UnknownOperationException", "message": "null server"})
OTHER = response("200 OK", {})


class Conn(asyncio.Protocol):
    def connection_made(self, transport):
        self.t = transport
        self.buf = b""

    def data_received(self, data):
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buf[:end].decode("latin-1").split("\r\n")
            length, target = 0, ""
            for h in head[1:]:
                k, _, v = h.partition(":")
                k = k.strip().lower()
                if k == "content-length":
                    length = int(v.strip() or 0)
                elif k == "x-amz-target":
                    target = v.strip()
            if len(self.buf) < end + 4 + length:
                return
            self.buf = self.buf[end + 4 + length:]
            if head[0].startswith("GET"):
                self.t.write(OTHER)
            else:
                self.t.write(ANSWERS.get(target.rpartition(".")[2], UNKNOWN))


async def main(port):
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Conn, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
