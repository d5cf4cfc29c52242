# SPDX-License-Identifier: MIT
# asyncio streams (or uvloop's loop with --uvloop): a coroutine per
# connection. Prints "listening on 127.0.0.1:PORT".
# usage: python3 echo.py [--uvloop] PORT
import asyncio
import sys


async def handle(reader, writer):
    try:
        while True:
            data = await reader.read(2048)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    writer.close()


async def main():
    port = int([a for a in sys.argv[1:] if not a.startswith("--")][0])
    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=4096)
    print(f"listening on 127.0.0.1:{server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


if "--uvloop" in sys.argv:
    import uvloop
    uvloop.install()
asyncio.run(main())
