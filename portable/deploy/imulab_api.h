/* ---- The application interface ------------------------------------------------------------
 *
 * Everything an application calls. State lives in one caller-owned struct imulab_state (a static
 * or a task's variable: IMULAB_STATE_BYTES bytes, stated below); nothing is allocated and nothing is
 * global except the constant model. One state serves one stream of samples; calls on one state must
 * not run concurrently (push from one task; a sensor interrupt should only queue samples).
 *
 *   static struct imulab_state st;
 *   imulab_init(&st);
 *   for each sample (IMULAB_N_AXES values, in the order of imulab_axes[]):
 *       if (imulab_push(&st, raw))            // int16 in the model's scales (imulab_input_scale)
 *           ... a new decision: imulab_latest(&st, &r), r.class_index, r.scores[] ...
 *   or  imulab_push_float(&st, values)        // physical units (those of the training data)
 *   or, for a window you buffered yourself:
 *       imulab_classify(&st, window, &r);     // IMULAB_WINDOW_LEN rows of IMULAB_N_AXES int16
 *
 * A decision is taken when the first IMULAB_WINDOW_LEN samples have arrived and then every
 * IMULAB_STRIDE_LEN samples, on the last IMULAB_WINDOW_LEN samples: the windows `imulab eval`
 * cuts from a recording that starts at the first pushed sample. The scores are the network's int8
 * outputs, byte for byte those `imulab eval` computes (the class is the first largest score).
 */
#ifndef IMULAB_API_H
#define IMULAB_API_H

#define IMULAB_N_AXES IMU_MODEL_N_AXES
#define IMULAB_N_CLASSES IMU_MODEL_N_CLASSES
#define IMULAB_WINDOW_LEN IMU_MODEL_WINDOW_LEN
#define IMULAB_STRIDE_LEN IMU_MODEL_STRIDE_LEN
#define IMULAB_RATE_HZ IMU_MODEL_RATE_HZ
#define IMULAB_MODEL_HASH IMU_MODEL_HASH

#define imulab_labels imu_model_labels           /* const char *const [IMULAB_N_CLASSES] */
#define imulab_axes imu_model_axes               /* const char *const [IMULAB_N_AXES] */
#define imulab_input_scale imu_model_input_scale /* const float [IMULAB_N_AXES]: units per LSB */

/* One decision. */
struct imulab_result {
    uint32_t count;        /* decisions taken on this state so far (this one included) */
    uint32_t sample_index; /* samples pushed when it was taken: the window is the IMULAB_WINDOW_LEN
                            * samples before this index (0 for imulab_classify) */
    int16_t class_index;   /* index into imulab_labels[]: the first largest score */
    int8_t scores[IMULAB_N_CLASSES]; /* int8 network outputs; real = IMULAB_SCORE_SCALE *
                                      * (score - IMULAB_SCORE_ZERO_POINT), logits before softmax */
};

#define IMULAB_SCORE_SCALE (imu_model_nn.out_scale)
#define IMULAB_SCORE_ZERO_POINT (imu_model_nn.out_zp)

/* The caller-owned state. Its size is IMULAB_STATE_BYTES (checked at compile time). */
struct imulab_state {
    float work[IMU_MODEL_FEAT_WORK_LEN];          /* feature workspace */
    float features[IMU_MODEL_N_FEATURES];         /* the last window's features */
    int16_t ring[IMU_MODEL_WINDOW_LEN * IMU_MODEL_N_AXES]; /* the last window, a ring of rows */
    int8_t nn_a[IMU_MODEL_NN_BUF_LEN], nn_b[IMU_MODEL_NN_BUF_LEN]; /* activations */
    struct imulab_result latest;
    uint32_t pushed;                              /* samples pushed since init */
    uint16_t head, fill, since;                   /* ring: oldest row, rows held, rows since a decision */
    uint8_t has_latest;
};

/* Start (or restart) a stream: forgets the samples and the last decision. */
void imulab_init(struct imulab_state *s);

/* Push one sample: IMULAB_N_AXES raw int16 values in the model's scales (physical value =
 * raw * imulab_input_scale[axis]). Returns 1 if a decision was taken on this sample, else 0. */
int imulab_push(struct imulab_state *s, const int16_t *sample);

/* Push one sample in physical units (the training data's: e.g. g, deg/s). It is converted with
 * imulab_quantize() exactly as the host converts float recordings. Returns as imulab_push(). */
int imulab_push_float(struct imulab_state *s, const float *sample);

/* The latest decision: copies it to *out and returns 1, or returns 0 if there is none yet. */
int imulab_latest(const struct imulab_state *s, struct imulab_result *out);

/* Classify one buffered window of IMULAB_WINDOW_LEN * IMULAB_N_AXES int16 samples, interleaved
 * (window[t * IMULAB_N_AXES + axis]). Uses the state's workspace only: the stream and the latest
 * decision are left as they were. Returns the class index. */
int imulab_classify(struct imulab_state *s, const int16_t *window, struct imulab_result *out);

/* The network's int8 input for a window (as imulab_classify takes it): the features quantized,
 * IMULAB_N_INPUTS bytes -- the input tensor of the .tflite of this model (imulab export-model
 * --format tflite), for running the network with TensorFlow Lite Micro instead. */
#define IMULAB_N_INPUTS IMU_MODEL_N_FEATURES
void imulab_network_input(struct imulab_state *s, const int16_t *window, int8_t *input);

/* Physical values to the model's int16: round(v / imulab_input_scale[axis]) half away from zero,
 * saturated, NaN -> 0. v and q hold n_samples * IMULAB_N_AXES values, interleaved. */
void imulab_quantize(const float *v, int16_t *q, uint32_t n_samples);

/* The label of a class index ("?" when out of range). */
const char *imulab_label(int class_index);

#endif
