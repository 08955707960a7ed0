package io.wsproxy.upstream;

import java.util.List;

/**
 * Weighted rendezvous (highest random weight) hashing, the choice behind {@link IpHashStrategy} and
 * {@link ConsistentHashStrategy}: every candidate scores {@code -weight / ln(h)}, where {@code h} in (0, 1) is a hash
 * of the pair (key, member), and the highest score wins.
 *
 * <p>Why this rather than a ring (nginx's {@code hash ... consistent} is ketama, 160 points per unit of weight):
 * <ul>
 *   <li>a key's next choice, when its member is not a candidate (tried already, or gone), is simply the best of
 *       the candidates left, and that is exactly the member the key maps to once the first is removed; nginx's
 *       {@code ip_hash} rehashes up to 20 times instead and then falls back to round-robin;</li>
 *   <li>adding or removing one member of N moves only the keys it gains or loses, about 1/N, with no ring to
 *       rebuild when members come and go, so candidate lists may differ from call to call;</li>
 *   <li>shares are proportional to weight exactly in expectation ({@code -ln(h)} is exponentially distributed,
 *       so member i wins with probability weight_i / total), without virtual nodes.</li>
 * </ul>
 * The cost is a hash and a logarithm per candidate, about 35 ns each (150 ns for 3 members, 1 µs for 30), once per
 * new connection: small beside the connect and upgrade that follow.
 *
 * <p>The hash: 64-bit FNV-1a over the key, finished with MurmurHash3's {@code fmix64} (FNV-1a alone spreads the
 * last bytes of a key poorly). A member's hash is the same function of its URI string ({@code ws://host:port}), and
 * for one of the addresses of a host name also of that address ({@link Upstream#toString()}), not of its place in
 * the pool or of anything random, so a member keeps its keys across restarts of the proxy and in every proxy of a
 * fleet that lists the same members. Each member computes it once ({@link Upstream#rendezvousHash()}). The pair's
 * hash is {@code fmix64(keyHash ^ memberHash)}.
 *
 * <p>Stateless and thread-safe; nothing is allocated.
 */
final class Rendezvous {
    /** Returned by key extraction when a connection has no key. A real key that hashes to it is moved off it. */
    static final long NO_KEY = 0;

    private static final long FNV_OFFSET_BASIS = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private Rendezvous() {
    }

    /** The member of {@code candidates} that {@code keyHash} maps to; ties (practically never) go to the first. */
    static Upstream choose(List<Upstream> candidates, long keyHash) {
        Upstream best = null;
        double bestScore = -1;
        for (int i = 0; i < candidates.size(); i++) {
            Upstream candidate = candidates.get(i);
            double score = score(keyHash, candidate);
            if (score > bestScore) {
                best = candidate;
                bestScore = score;
            }
        }
        return best;
    }

    /** {@code -weight / ln(h)}: positive, larger for heavier members. */
    static double score(long keyHash, Upstream member) {
        long pair = fmix64(keyHash ^ member.rendezvousHash());
        // The top 53 bits and a half: strictly inside (0, 1), so the logarithm is negative and finite.
        double h = ((pair >>> 11) + 0.5) * 0x1.0p-53;
        return -member.weight() / Math.log(h);
    }

    /** The hash of a member known as {@code identity}; see the class comment. */
    static long memberHash(String identity) {
        return fmix64(fnv(FNV_OFFSET_BASIS, identity, 0, identity.length()));
    }

    /** A finished hash of {@code text[from, to)}, never {@link #NO_KEY}. */
    static long keyHash(CharSequence text, int from, int to) {
        return finish(fnv(FNV_OFFSET_BASIS, text, from, to));
    }

    /** A finished hash of {@code bytes[0, length)}, never {@link #NO_KEY}. */
    static long keyHash(byte[] bytes, int length) {
        long hash = FNV_OFFSET_BASIS;
        for (int i = 0; i < length; i++) {
            hash = (hash ^ (bytes[i] & 0xff)) * FNV_PRIME;
        }
        return finish(hash);
    }

    private static long finish(long fnv) {
        long hash = fmix64(fnv);
        return hash == NO_KEY ? 1 : hash;
    }

    /**
     * FNV-1a over UTF-16 code units, the low byte first and the high byte only when it is not zero: for ASCII and
     * Latin-1 text (header values, cookies, queries and URIs are) this is FNV-1a over the text's bytes.
     */
    private static long fnv(long hash, CharSequence text, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            hash = (hash ^ (c & 0xff)) * FNV_PRIME;
            if (c > 0xff) {
                hash = (hash ^ (c >>> 8)) * FNV_PRIME;
            }
        }
        return hash;
    }

    /** MurmurHash3's 64-bit finalizer: every input bit affects every output bit. */
    static long fmix64(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }
}
