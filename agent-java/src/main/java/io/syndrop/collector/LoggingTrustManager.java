package io.syndrop.collector;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Checks client certificates against the --client-ca bundle and logs every certificate it refuses
 * (who presented what), which the TLS stack alone would only report as a failed handshake.
 */
final class LoggingTrustManager extends X509ExtendedTrustManager {
    private static final Logger LOG = Logger.getLogger(LoggingTrustManager.class.getName());
    private final X509ExtendedTrustManager delegate;
    private final LongAdder refused;

    LoggingTrustManager(Path caFile, LongAdder refused) throws IOException {
        this.refused = refused;
        try (InputStream in = Files.newInputStream(caFile)) {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            int i = 0;
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                ks.setCertificateEntry("ca" + i++, c);
            }
            if (i == 0) {
                throw new IOException("--client-ca " + caFile + " holds no PEM certificate");
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            X509ExtendedTrustManager found = null;
            for (TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof X509ExtendedTrustManager x) {
                    found = x;
                }
            }
            if (found == null) {
                throw new IOException("no X.509 trust manager available");
            }
            delegate = found;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot load --client-ca " + caFile + ": " + e.getMessage(), e);
        }
    }

    private CertificateException refuse(X509Certificate[] chain, String peer, CertificateException e) {
        refused.increment();
        String subject = chain == null || chain.length == 0 ? "(none)" : chain[0].getSubjectX500Principal().getName();
        LOG.warning("refused TLS client " + peer + ": certificate " + subject + " is not accepted: " + e.getMessage());
        return e;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        try {
            delegate.checkClientTrusted(chain, authType, socket);
        } catch (CertificateException e) {
            throw refuse(chain, String.valueOf(socket == null ? null : socket.getRemoteSocketAddress()), e);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        try {
            delegate.checkClientTrusted(chain, authType, engine);
        } catch (CertificateException e) {
            throw refuse(chain, engine == null || engine.getPeerHost() == null ? "(address unknown to the TLS engine)" : engine.getPeerHost() + ":" + engine.getPeerPort(), e);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        try {
            delegate.checkClientTrusted(chain, authType);
        } catch (CertificateException e) {
            throw refuse(chain, "?", e);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        delegate.checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        delegate.checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate.checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return delegate.getAcceptedIssuers();
    }
}
