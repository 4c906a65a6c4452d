using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Coupon.Bench.Load;

// One keep-alive HTTP/1.1 connection over a plain blocking socket, driven by its own thread: send a
// prepared request, read the status line and skip the body (Content-Length or chunked). The
// kernel wakes exactly the waiting thread when the answer arrives, with no event loop or thread
// pool hop in between: far cheaper per request than HttpClient, so the load generator leaves the
// CPU to the server it measures.
internal sealed class RawHttpConnection(IPEndPoint endpoint) : IDisposable
{
    private static readonly byte[] HeaderEnd = "\r\n\r\n"u8.ToArray();
    private static readonly byte[] ContentLengthName = "content-length:"u8.ToArray();
    private static readonly byte[] TransferEncodingName = "transfer-encoding:"u8.ToArray();
    private static readonly byte[] ConnectionName = "connection:"u8.ToArray();

    private readonly byte[] _receive = new byte[16 * 1024];
    private Socket? _socket;
    private int _start;
    private int _end;

    public bool IsConnected => _socket is not null;

    public void Connect()
    {
        Dispose();
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Connect(endpoint);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        _socket = socket;
        _start = _end = 0;
    }

    // Sends one request and returns the response's status code.
    public int Exchange(ReadOnlySpan<byte> request)
    {
        var socket = _socket ?? throw new InvalidOperationException("Not connected.");
        while (!request.IsEmpty)
            request = request[socket.Send(request)..];

        int headerEnd;
        while ((headerEnd = IndexOf(HeaderEnd)) < 0)
            Fill();

        var head = ParseHead(_receive.AsSpan(_start, headerEnd - _start));
        _start = headerEnd + HeaderEnd.Length;

        if (head.Chunked)
            SkipChunkedBody();
        else
            Skip(head.ContentLength);

        if (head.Close)
            Dispose();
        return head.Status;
    }

    public void Dispose()
    {
        _socket?.Dispose();
        _socket = null;
    }

    // From another thread: closes the socket under a blocked send or receive, which then throws.
    public void Abort() => _socket?.Dispose();

    private void SkipChunkedBody()
    {
        while (true)
        {
            int lineEnd;
            while ((lineEnd = IndexOf("\r\n"u8)) < 0)
                Fill();
            var size = ParseChunkSize(_receive.AsSpan(_start, lineEnd - _start));
            _start = lineEnd + 2;
            // Chunk data and its CRLF; for the last (empty) chunk, the CRLF that ends the trailers.
            Skip(size + 2);
            if (size == 0)
                return;
        }
    }

    private void Skip(long count)
    {
        while (count > 0)
        {
            if (_start == _end)
                Fill();
            var take = (int)Math.Min(count, _end - _start);
            _start += take;
            count -= take;
        }
    }

    private void Fill()
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (_end == _receive.Length)
        {
            if (_start == 0)
                throw new InvalidDataException("Response head larger than the receive buffer.");
            Buffer.BlockCopy(_receive, _start, _receive, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        var socket = _socket ?? throw new InvalidOperationException("Not connected.");
        var read = socket.Receive(_receive.AsSpan(_end));
        if (read == 0)
            throw new IOException("The server closed the connection.");
        _end += read;
    }

    private int IndexOf(ReadOnlySpan<byte> value)
    {
        var at = _receive.AsSpan(_start, _end - _start).IndexOf(value);
        return at < 0 ? -1 : _start + at;
    }

    internal static ResponseHead ParseHead(ReadOnlySpan<byte> head)
    {
        // "HTTP/1.1 202 Accepted"
        if (head.Length < 12 || !Utf8Parser.TryParse(head.Slice(9, 3), out int status, out _))
            throw new InvalidDataException($"Malformed status line: {Encoding.ASCII.GetString(head[..Math.Min(head.Length, 40)])}");

        long contentLength = 0;
        bool chunked = false, close = false;
        var rest = head;
        while (true)
        {
            var next = rest.IndexOf("\r\n"u8);
            if (next < 0)
                break;
            rest = rest[(next + 2)..];
            var line = rest;
            var lineEnd = line.IndexOf("\r\n"u8);
            if (lineEnd >= 0)
                line = line[..lineEnd];

            if (StartsWithIgnoreCase(line, ContentLengthName))
                Utf8Parser.TryParse(line[ContentLengthName.Length..].Trim((byte)' '), out contentLength, out _);
            else if (StartsWithIgnoreCase(line, TransferEncodingName))
                chunked = Ascii.EqualsIgnoreCase(line[TransferEncodingName.Length..].Trim((byte)' '), "chunked"u8);
            else if (StartsWithIgnoreCase(line, ConnectionName))
                close = Ascii.EqualsIgnoreCase(line[ConnectionName.Length..].Trim((byte)' '), "close"u8);
        }
        return new ResponseHead(status, contentLength, chunked, close);
    }

    internal static int ParseChunkSize(ReadOnlySpan<byte> line)
    {
        var extension = line.IndexOf((byte)';');
        if (extension >= 0)
            line = line[..extension];
        if (!Utf8Parser.TryParse(line.Trim((byte)' '), out int size, out _, 'x'))
            throw new InvalidDataException("Malformed chunk size.");
        return size;
    }

    private static bool StartsWithIgnoreCase(ReadOnlySpan<byte> line, ReadOnlySpan<byte> name) =>
        line.Length >= name.Length && Ascii.EqualsIgnoreCase(line[..name.Length], name);

    internal readonly record struct ResponseHead(int Status, long ContentLength, bool Chunked, bool Close);
}
