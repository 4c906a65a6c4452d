using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Coupon.Core.Drawing;

// The draw, as anyone can recompute it from the published seed and entrant list:
//  1. the seed is 32 random bytes, written as 64 lowercase hex digits; its hash, published when
//     the campaign is created, is SHA-256 of those 32 bytes, in hex;
//  2. the entrants are the user ids that entered, each once, sorted ascending: e[0..n);
//  3. the random stream: x_j = the first 8 bytes, big-endian unsigned, of SHA-256(seed bytes ‖
//     j as 8 bytes big-endian), for j = 0, 1, 2, …;
//  4. for i = 0 .. k - 1, where k = min(quantity, n): m = n - i; take the next x from the stream
//     until x < 2^64 - (2^64 mod m) (so every residue is equally likely), r = x mod m, and swap
//     e[i] with e[i + r] (a partial Fisher–Yates shuffle);
//  5. the winners are e[0..k), in that order.
// Every subset of k entrants is equally likely, whatever order they entered in.
public static class DrawAlgorithm
{
    public const int SeedBytes = 32;

    public static string NewSeed() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(SeedBytes));

    public static string Hash(string seed) => Convert.ToHexStringLower(SHA256.HashData(Convert.FromHexString(seed)));

    public static IReadOnlyList<long> Winners(string seed, IEnumerable<long> entrants, int quantity)
    {
        var drawn = entrants.Distinct().Order().ToArray();
        var stream = new Stream(Convert.FromHexString(seed));
        var count = Math.Min(Math.Max(quantity, 0), drawn.Length);
        for (var i = 0; i < count; i++)
        {
            var j = i + (int)stream.Below((ulong)(drawn.Length - i));
            (drawn[i], drawn[j]) = (drawn[j], drawn[i]);
        }
        return drawn[..count];
    }

    private sealed class Stream(byte[] seed)
    {
        private readonly byte[] _block = [.. seed, .. new byte[sizeof(ulong)]];
        private ulong _next;

        // Uniform in [0, bound).
        public ulong Below(ulong bound)
        {
            // 2^64 mod bound, computed in 64 bits.
            var excess = (ulong.MaxValue % bound + 1) % bound;
            while (true)
            {
                var x = Next();
                if (excess == 0 || x < 0UL - excess)
                    return x % bound;
            }
        }

        private ulong Next()
        {
            BinaryPrimitives.WriteUInt64BigEndian(_block.AsSpan(seed.Length), _next++);
            return BinaryPrimitives.ReadUInt64BigEndian(SHA256.HashData(_block));
        }
    }
}
