using System.Text;
using Coupon.Testing;

namespace Coupon.Bench.Load;

// Distinct users with their bearer tokens, minted once before any measurement (signing is far
// more expensive than sending, and must not be part of the load generator's measured cost).
public sealed class UserPool
{
    private readonly byte[][] _tokens;

    private UserPool(long firstUserId, byte[][] tokens)
    {
        FirstUserId = firstUserId;
        _tokens = tokens;
    }

    public long FirstUserId { get; }

    public int Count => _tokens.Length;

    public long UserIdAt(int index) => FirstUserId + index;

    public ReadOnlySpan<byte> TokenAt(int index) => _tokens[index];

    public static UserPool Mint(DevelopmentTokenKeys signing, long firstUserId, int count, TimeSpan lifetime)
    {
        var tokens = new byte[count][];
        Parallel.For(0, count, i =>
            tokens[i] = Encoding.ASCII.GetBytes(signing.CreateUserToken(firstUserId + i, lifetime)));
        return new UserPool(firstUserId, tokens);
    }
}
